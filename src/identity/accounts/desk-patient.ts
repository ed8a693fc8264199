/**
 * What the service desk sees of a patient account's record, so that staff can check who they are
 * talking to: the name, date of birth and NHS number (pure). Nothing clinical.
 */
import type { Patient } from '@medplum/fhirtypes';
import { NHS_NUMBER_SYSTEM } from '../../nhs/index.js';
import { patientName } from '../../platform/fhir/patient-name.js';

export interface DeskPatient {
  /** "Alex Hughes" (the usual or official name), or null when the record has none. */
  name: string | null;
  /** YYYY-MM-DD */
  birthDate: string | null;
  nhsNumber: string | null;
}

export function deskPatient(patient: Patient): DeskPatient {
  return {
    name: patientName(patient) ?? null,
    birthDate: patient.birthDate ?? null,
    nhsNumber:
      patient.identifier?.find((identifier) => identifier.system === NHS_NUMBER_SYSTEM)?.value ?? null,
  };
}

/** "943 476 5919" → "9434765919"; undefined when it is not 10 digits. */
export function nhsNumberOf(raw: string): string | undefined {
  const digits = raw.replace(/[\s-]/g, '');
  return /^\d{10}$/.test(digits) ? digits : undefined;
}
