/**
 * The name to call a patient by, as staff read it back to check identity (pure): the current
 * usual name, else the official one, else the first current one; "Given Family", or its text.
 */
import type { HumanName, Patient } from '@medplum/fhirtypes';

function currentName(names: readonly HumanName[] | undefined): HumanName | undefined {
  const current = (names ?? []).filter((name) => !name.period?.end && name.use !== 'old');
  return (
    current.find((name) => name.use === 'usual') ??
    current.find((name) => name.use === 'official') ??
    current[0]
  );
}

export function patientName(patient: Pick<Patient, 'name'>): string | undefined {
  const name = currentName(patient.name);
  const text = name?.text ?? [...(name?.given ?? []), name?.family].filter(Boolean).join(' ');
  return text || undefined;
}
