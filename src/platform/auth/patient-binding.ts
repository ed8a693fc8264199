/**
 * HAZ-WRONG-PATIENT control (pure): a patient's token only ever gets resources in that patient's
 * own compartment. Every resource about to be returned is checked, not just the query that found
 * it, so a search parameter bug, a wrong join or an include can never leak another patient's data.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { patientOf } from '../fhir/patient-compartment.js';
import type { PatientCompartment } from '../fhir/search/index.js';
import { isPatientBound, ownPatient } from './policy.js';
import type { Principal } from './principal.js';

/**
 * Types that never belong to a patient and that a patient may see (who prescribed, which
 * pharmacy, what medicine). Anything else without a patient is blocked: unknown means no.
 */
export const NON_PATIENT_TYPES: ReadonlySet<string> = new Set([
  'Organization',
  'Practitioner',
  'PractitionerRole',
  'Location',
  'HealthcareService',
  'Medication',
  'OperationOutcome',
  // Clinic timetables: which times exist and are free, never who booked them.
  'Schedule',
  'Slot',
]);

export interface PatientBindingResult<T extends Resource = Resource> {
  allowed: T[];
  blocked: T[];
}

export function checkPatientBinding<T extends Resource>(
  principal: Principal,
  resources: readonly T[],
): PatientBindingResult<T> {
  if (!isPatientBound(principal)) return { allowed: [...resources], blocked: [] };
  const own = ownPatient(principal);
  const allowed: T[] = [];
  const blocked: T[] = [];
  for (const resource of resources) {
    if (isVisibleTo(own, resource)) allowed.push(resource);
    else blocked.push(resource);
  }
  return { allowed, blocked };
}

/**
 * The same rule as a search condition (fhir/search/compartment-filter.ts): what a patient-bound
 * caller's searches are narrowed to in SQL, before counting and paging; undefined for other callers.
 */
export function patientCompartmentOf(principal: Principal): PatientCompartment | undefined {
  if (!isPatientBound(principal)) return undefined;
  const own = ownPatient(principal);
  return { patientId: own?.slice('Patient/'.length), openTypes: NON_PATIENT_TYPES };
}

function isVisibleTo(own: string | undefined, resource: Resource): boolean {
  if (NON_PATIENT_TYPES.has(resource.resourceType)) return true;
  // No linked patient record: nothing patient-shaped is visible.
  if (own === undefined) return false;
  const patient = patientOf(resource);
  return patient !== undefined && patient === own;
}

/**
 * The same check over a search or history Bundle: entries the caller may not see are removed, and
 * so is any entry without a resource (a deleted version's URL still names someone's record).
 * `total` drops by the matches removed, so a count cannot reveal other patients' records either.
 */
export function checkBundlePatientBinding(
  principal: Principal,
  bundle: Bundle,
): { bundle: Bundle; blocked: Resource[] } {
  if (!isPatientBound(principal)) return { bundle, blocked: [] };
  const own = ownPatient(principal);
  const entries = bundle.entry ?? [];
  const kept = entries.filter((entry) => entry.resource !== undefined && isVisibleTo(own, entry.resource));
  const blocked = entries.flatMap((entry) =>
    entry.resource !== undefined && !isVisibleTo(own, entry.resource) ? [entry.resource] : [],
  );
  if (kept.length === entries.length) return { bundle, blocked };
  const filtered: Bundle = { ...bundle, entry: kept };
  if (bundle.total !== undefined) {
    // total counts matches only: removed _include and outcome entries were never in it.
    const removedMatches = entries.filter(
      (entry) =>
        !kept.includes(entry) && entry.search?.mode !== 'include' && entry.search?.mode !== 'outcome',
    ).length;
    filtered.total = Math.max(0, bundle.total - removedMatches);
  }
  return { bundle: filtered, blocked };
}
