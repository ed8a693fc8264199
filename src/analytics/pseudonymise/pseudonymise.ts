/**
 * Pseudonymised copies of resources for analytics (pure). What identifies a patient is removed or
 * replaced by a keyed, stable pseudonym, so the same patient gets the same pseudonym in every
 * resource and every export made with the same key, and counts per patient still work, while
 * nobody without the key (never in the database) can go back from a pseudonym to the person.
 *
 * - the Patient's id, and every reference to it, becomes `Patient/<pseudonym>`;
 * - NHS and CHI numbers become identifiers in the pseudonym system; the Patient's other
 *   identifiers (hospital numbers) are removed;
 * - names, telecom, addresses, photos and contacts of the Patient are removed; birth and death
 *   dates keep only the year;
 * - free text is removed everywhere: narratives and `text`, notes, comments, descriptions, patient
 *   instructions, message contents, string values, and every Reference's `display`;
 * - attachments (`presentedForm`, `photo`, `content`) are removed.
 * Codes (dm+d, status, types), dates of events, organisations and practitioners are kept: they are
 * what prescribing and dispensing analytics count.
 */
import { CHI_NUMBER_SYSTEM, NHS_NUMBER_SYSTEM } from '../../nhs/index.js';

export const PSEUDONYM_SYSTEM = 'https://fhir.pathways.dev/Id/patient-pseudonym';
const PATIENT_ID_SYSTEMS = new Set([NHS_NUMBER_SYSTEM, CHI_NUMBER_SYSTEM]);

/** Returns the pseudonym of `value` in `domain` (e.g. HMAC-SHA-256 under the pseudonym key). */
export type Pseudonym = (domain: string, value: string) => string;

const FREE_TEXT = new Set([
  'text',
  'note',
  'comment',
  'description',
  'patientInstruction',
  'contentString',
  'valueString',
  'presentedForm',
  'valueAttachment',
  'contentAttachment',
]);
const PATIENT_IDENTIFYING = new Set(['name', 'telecom', 'address', 'photo', 'contact']);
const PATIENT_REFERENCE = /^(?:.*\/)?Patient\/([A-Za-z0-9\-.]{1,64})$/;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function pseudonymiseResource<T extends object>(resource: T, pseudonym: Pseudonym): T {
  return walk(resource as unknown as Json, pseudonym) as unknown as T;
}

function walk(value: Json, pseudonym: Pseudonym): Json {
  if (Array.isArray(value)) return value.map((item) => walk(item, pseudonym));
  if (value === null || typeof value !== 'object') return value;
  const object = value as { [key: string]: Json };
  if (isPatientIdentifier(object)) {
    return { system: PSEUDONYM_SYSTEM, value: pseudonym(object.system as string, object.value as string) };
  }
  return walkObject(object, pseudonym);
}

function walkObject(value: { [key: string]: Json }, pseudonym: Pseudonym): Json {
  const isPatient = value.resourceType === 'Patient';
  const isReference = typeof value.reference === 'string';
  const out: { [key: string]: Json } = {};
  for (const [key, item] of Object.entries(value)) {
    if (FREE_TEXT.has(key)) continue;
    if (isReference && key === 'display') continue;
    if (isPatient) {
      if (PATIENT_IDENTIFYING.has(key)) continue;
      if (key === 'id' && typeof item === 'string') {
        out.id = pseudonym('Patient', item);
        continue;
      }
      if (key === 'identifier' && Array.isArray(item)) {
        out.identifier = item.filter(isPatientIdentifier).map((identifier) => walk(identifier, pseudonym));
        continue;
      }
      if ((key === 'birthDate' || key === 'deceasedDateTime') && typeof item === 'string') {
        out[key] = item.slice(0, 4);
        continue;
      }
    }
    if (key === 'reference' && typeof item === 'string') {
      out.reference = pseudonymousReference(item, pseudonym);
      continue;
    }
    out[key] = walk(item, pseudonym);
  }
  return out;
}

function isPatientIdentifier(value: Json): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof value.system === 'string' &&
    PATIENT_ID_SYSTEMS.has(value.system) &&
    typeof value.value === 'string'
  );
}

/** `Patient/<id>` (relative or absolute) → `Patient/<pseudonym>`; other references as they are. */
export function pseudonymousReference(reference: string, pseudonym: Pseudonym): string {
  const match = PATIENT_REFERENCE.exec(reference);
  return match ? `Patient/${pseudonym('Patient', match[1]!)}` : reference;
}
