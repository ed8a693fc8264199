/**
 * The Patient a message is about, from its PID: found by its national number first, then by any
 * other identifier it carries, following a merge (`replaced-by`) to the surviving record; created
 * when new. Every handler's "patient from PID" step (ADT, ORU, ORM/OML, SIU, merges).
 */
import type { Identifier, Patient } from '@medplum/fhirtypes';
import type { Queryable } from '../../platform/database/database.js';
import { type HandlerContext, segment } from '../handler.js';
import { isStale, lockKey, readStored, writeResource } from '../inbox/resource-writer.js';
import { contentError } from '../message/hl7-error.js';
import { applyPatientFacts, nationalIdentifier, patientFacts } from './patient-mapping.js';

async function patientIdsWith(tx: Queryable, identifier: Identifier): Promise<string[]> {
  const result = await tx.query<{ id: string }>(
    `SELECT DISTINCT t.id FROM search_token t
     WHERE t.resource_type = 'Patient' AND t.param = 'identifier' AND t.system = $1 AND t.value = $2
     ORDER BY t.id LIMIT 5`,
    [identifier.system ?? null, identifier.value],
  );
  return result.rows.map((row) => row.id);
}

/** The surviving record: follows `replaced-by` links (a few hops at most). */
export async function survivorOf(tx: Queryable, patient: Patient): Promise<Patient> {
  let current = patient;
  for (let hop = 0; hop < 5; hop++) {
    const next = current.link?.find((link) => link.type === 'replaced-by')?.other.reference;
    if (!next?.startsWith('Patient/')) return current;
    const found = await readStored<Patient>(tx, next);
    if (!found) return current;
    current = found;
  }
  return current;
}

export async function findPatient(
  tx: Queryable,
  identifiers: Identifier[],
  options: { followMerges?: boolean } = {},
): Promise<Patient | undefined> {
  const national = nationalIdentifier(identifiers);
  const ordered = national ? [national, ...identifiers.filter((i) => i !== national)] : identifiers;
  for (const identifier of ordered) {
    const ids = await patientIdsWith(tx, identifier);
    for (const id of ids) {
      const patient = await readStored<Patient>(tx, `Patient/${id}`);
      if (!patient) continue;
      // A record found by a local number that carries another national number is someone else.
      const theirs = nationalIdentifier(patient.identifier ?? []);
      if (national && theirs && theirs.value !== national.value) continue;
      return options.followMerges === false ? patient : survivorOf(tx, patient);
    }
  }
  return undefined;
}

/** The key messages about this patient are serialised on. */
export function patientLockKey(identifiers: Identifier[]): string {
  const key = nationalIdentifier(identifiers) ?? identifiers[0]!;
  return `${key.system}|${key.value}`;
}

/**
 * Applies PID to the patient's record (creating it when new) and returns it. Results, orders and
 * bookings pass `demographics: false`: they find or create the patient but leave the PAS's
 * demographics alone.
 */
export async function upsertPatient(
  context: HandlerContext,
  options: { demographics?: boolean } = {},
): Promise<Patient & { id: string }> {
  const pid = segment(context.parsed, 'PID');
  if (!pid) throw contentError('The PID segment is missing', { segment: 'PID' });
  const facts = patientFacts(pid, segment(context.parsed, 'PD1'), context.facility);
  await lockKey(context.tx, patientLockKey(facts.identifiers));
  const stored = await findPatient(context.tx, facts.identifiers);
  if (stored?.id && options.demographics === false) return stored as Patient & { id: string };
  if (stored?.id && (await isStale(context.tx, `Patient/${stored.id}`, context.eventTime))) {
    return stored as Patient & { id: string };
  }
  return writeResource(context, applyPatientFacts(stored, facts, context.odsCode));
}
