/**
 * The patient compartment in SQL (HAZ-WRONG-PATIENT). Every stored resource that belongs to a
 * patient gets one more search_reference row, param `_patient-compartment`, pointing at that
 * patient; the patient is `patientOf(resource)`, the same function patient binding re-checks every
 * returned resource with, so the SQL filter and the re-check can never disagree.
 *
 * For a patient token, searches, includes and conditional creates are narrowed to rows of the
 * caller's compartment before counting and paging, so totals, `next` links and offsets are the
 * same whether or not other patients' records exist. The parameter cannot be searched, sorted or
 * included by clients: it is no SearchParameter of any type, so the parser refuses it.
 */
import type { Resource } from '@medplum/fhirtypes';
import { patientOf } from '../patient-compartment.js';
import { indexedParams } from './definitions.js';
import type { SearchRequest } from './search-request.js';
import type { SqlParams } from './sql-filters.js';
import type { ReferenceEntry } from './values.js';

export const PATIENT_COMPARTMENT_PARAM = '_patient-compartment';

/** Whose records a patient-bound search may return. */
export interface PatientCompartment {
  /** The caller's Patient id; undefined when the account is linked to no patient record. */
  patientId: string | undefined;
  /** Types that belong to no patient and that every patient may see (practitioners, medicines…). */
  openTypes: ReadonlySet<string>;
}

const PATIENT_PREFIX = 'Patient/';

/** The compartment index row of a resource, or undefined when it belongs to no patient. */
export function compartmentEntry(resource: Resource): (ReferenceEntry & { param: string }) | undefined {
  const patient = patientOf(resource);
  if (!patient?.startsWith(PATIENT_PREFIX)) return undefined;
  return {
    param: PATIENT_COMPARTMENT_PARAM,
    targetType: 'Patient',
    targetId: patient.slice(PATIENT_PREFIX.length),
    identifierSystem: null,
    identifierValue: null,
  };
}

/**
 * The predicate keeping rows of `alias` (a fhir_resource alias) that the caller may see:
 * `type` is the searched type when known (one plan per type), else the row's own type decides.
 */
export function compartmentPredicate(
  compartment: PatientCompartment,
  alias: string,
  type: string | undefined,
  params: SqlParams,
): string {
  if (type !== undefined && compartment.openTypes.has(type)) return 'true';
  if (compartment.patientId === undefined) {
    return type === undefined
      ? `${alias}.resource_type = ANY(${params.add([...compartment.openTypes])}::text[])`
      : 'false';
  }
  const own =
    `EXISTS (SELECT 1 FROM search_reference c WHERE c.resource_type = ${alias}.resource_type` +
    ` AND c.id = ${alias}.id AND c.param = ${params.add(PATIENT_COMPARTMENT_PARAM)}` +
    ` AND c.target_id = ${params.add(compartment.patientId)} AND c.target_type = 'Patient')`;
  if (type !== undefined) return own;
  return `(${alias}.resource_type = ANY(${params.add([...compartment.openTypes])}::text[]) OR ${own})`;
}

/**
 * The patients a search names outright (`subject=Patient/1`, `patient=1`, `Patient?_id=1`), as
 * `Patient/<id>`: a patient-bound caller naming someone else is told nothing either way, but the
 * attempt is a safety event, judged from the query alone so the data cannot change it.
 */
export function patientsNamed(request: SearchRequest): string[] {
  const named = new Set<string>();
  const params = indexedParams(request.resourceType);
  for (const filter of request.filters) {
    if (filter.kind === 'id' && !filter.not && request.resourceType === 'Patient') {
      for (const id of filter.ids) named.add(`Patient/${id}`);
    }
    if (filter.kind !== 'reference') continue;
    const onlyPatients = params.get(filter.param)?.targets.every((target) => target === 'Patient') === true;
    for (const condition of filter.conditions) {
      if (condition.kind !== 'literal') continue;
      if (condition.type === 'Patient' || (condition.type === undefined && onlyPatients)) {
        named.add(`Patient/${condition.id}`);
      }
    }
  }
  return [...named];
}
