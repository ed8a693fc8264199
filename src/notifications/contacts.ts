/**
 * Where a patient can be reached, from their Patient resource (pure): a mobile number
 * (`telecom` system `phone`, use `mobile`) and an email address (system `email`), current ones
 * only, the best-ranked first. A record merged into another (HAZ-MERGE) points to the survivor;
 * a deceased patient is never messaged.
 */
import type { ContactPoint, Patient } from '@medplum/fhirtypes';
import { PATIENT_REFERENCE } from '../platform/fhir/ids.js';

export interface ContactDetails {
  mobile?: string;
  email?: string;
}

export type ContactLookup = { contacts: ContactDetails } | { replacedBy: string } | { unreachable: string };

function current(point: ContactPoint, now: Date): boolean {
  if (!point.value || point.value.trim() === '' || point.use === 'old') return false;
  const start = point.period?.start ? Date.parse(point.period.start) : undefined;
  const end = point.period?.end ? Date.parse(point.period.end) : undefined;
  if (start !== undefined && !Number.isNaN(start) && start > now.getTime()) return false;
  if (end !== undefined && !Number.isNaN(end) && end <= now.getTime()) return false;
  return true;
}

/** Lowest rank first (rank 1 is the preferred one); unranked after ranked, in record order. */
function best(points: ContactPoint[]): string | undefined {
  const ranked = points
    .map((point, index) => ({ point, index, rank: point.rank ?? Number.POSITIVE_INFINITY }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index);
  return ranked[0]?.point.value?.trim();
}

export function contactDetailsOf(patient: Patient, now: Date): ContactLookup {
  const replacedBy = patient.link?.find((link) => link.type === 'replaced-by')?.other?.reference;
  if (replacedBy && PATIENT_REFERENCE.test(replacedBy)) return { replacedBy };
  if (patient.deceasedBoolean === true || patient.deceasedDateTime !== undefined) {
    return { unreachable: 'the patient is recorded as deceased' };
  }
  const telecom = (patient.telecom ?? []).filter((point) => current(point, now));
  const mobile = best(telecom.filter((point) => point.system === 'phone' && point.use === 'mobile'));
  const email = best(telecom.filter((point) => point.system === 'email'));
  return { contacts: { ...(mobile ? { mobile } : {}), ...(email ? { email } : {}) } };
}
