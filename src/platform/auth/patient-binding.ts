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
 * The types a patient may see every instance of: reference data that belongs to no patient (who
 * prescribed, which pharmacy, what medicine, which clinic times are free). Not a list here: the
 * capabilities declare it with their types' read rules (`openToPatients`, fhir/resource-rules.ts
 * `typesOpenToPatients`) and the access control passes it in. Any other type is patient data:
 * shown to a patient only when its subject is that patient (unknown means no).
 */
export type OpenTypes = ReadonlySet<string>;

export interface PatientBindingResult<T extends Resource = Resource> {
  allowed: T[];
  blocked: T[];
}

export function checkPatientBinding<T extends Resource>(
  principal: Principal,
  resources: readonly T[],
  openTypes: OpenTypes,
): PatientBindingResult<T> {
  if (!isPatientBound(principal)) return { allowed: [...resources], blocked: [] };
  const own = ownPatient(principal);
  const allowed: T[] = [];
  const blocked: T[] = [];
  for (const resource of resources) {
    if (isVisibleTo(own, resource, openTypes)) allowed.push(resource);
    else blocked.push(resource);
  }
  return { allowed, blocked };
}

/**
 * The same rule as a search condition (fhir/search/compartment-filter.ts): what a patient-bound
 * caller's searches are narrowed to in SQL, before counting and paging; undefined for other callers.
 */
export function patientCompartmentOf(
  principal: Principal,
  openTypes: OpenTypes,
): PatientCompartment | undefined {
  if (!isPatientBound(principal)) return undefined;
  const own = ownPatient(principal);
  return { patientId: own?.slice('Patient/'.length), openTypes };
}

function isVisibleTo(own: string | undefined, resource: Resource, openTypes: OpenTypes): boolean {
  if (openTypes.has(resource.resourceType)) return true;
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
  openTypes: OpenTypes,
): { bundle: Bundle; blocked: Resource[] } {
  if (!isPatientBound(principal)) return { bundle, blocked: [] };
  const own = ownPatient(principal);
  const entries = bundle.entry ?? [];
  const kept = entries.filter(
    (entry) => entry.resource !== undefined && isVisibleTo(own, entry.resource, openTypes),
  );
  const blocked = entries.flatMap((entry) =>
    entry.resource !== undefined && !isVisibleTo(own, entry.resource, openTypes) ? [entry.resource] : [],
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
