/**
 * Which patient a resource belongs to, for audit and for patient-bound access. Pure and generic
 * FHIR: it names no capability's type, only the reference elements the Patient compartment uses
 * (the same for every type), so the store can index the compartment in the write itself
 * (search/compartment-filter.ts) and patient binding re-check it with the same function. Whether
 * a type holds patient data at all is its capability's declaration (resource-rules.ts).
 */
import type { Resource } from '@medplum/fhirtypes';
import { PATIENT_REFERENCE } from './ids.js';

const PATIENT_ELEMENTS = ['subject', 'patient', 'beneficiary', 'for'] as const;

/** `Patient/<id>` for a resource in one patient's compartment, else undefined. */
export function patientOf(resource: Resource): string | undefined {
  if (resource.resourceType === 'Patient') return resource.id ? `Patient/${resource.id}` : undefined;
  const record = resource as unknown as Record<string, unknown>;
  for (const element of PATIENT_ELEMENTS) {
    const value = record[element] as { reference?: string } | undefined;
    const reference = value?.reference;
    if (typeof reference === 'string' && PATIENT_REFERENCE.test(reference)) return reference;
  }
  // Else a participant who is a patient (an Appointment's `participant.actor`, by which the
  // Patient compartment takes appointments); of the stored types only Appointment has one
  // (patient-compartment.test.ts checks it against R4).
  const participants = record['participant'];
  if (!Array.isArray(participants)) return undefined;
  for (const participant of participants as Array<{ actor?: { reference?: unknown } } | null>) {
    const reference = participant?.actor?.reference;
    if (typeof reference === 'string' && reference.startsWith('Patient/')) return reference;
  }
  return undefined;
}
