/**
 * Which patient a resource belongs to, for audit and for patient-bound access. Pure: reads the
 * reference elements the Patient compartment uses for the types we store.
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
  if (resource.resourceType === 'Appointment') {
    for (const participant of resource.participant ?? []) {
      const reference = participant.actor?.reference;
      if (reference?.startsWith('Patient/')) return reference;
    }
  }
  return undefined;
}

