/**
 * The declared relationships of a type as one SQL predicate over `r` (a `fhir_resource` row), for
 * the caller's roles and organisation: a search adds it to its WHERE clause (so totals and paging
 * count only related instances), a read by id asks it of one row. Patient relationships reach
 * every resource of the patient's compartment through its `patient` search parameter.
 */
import type { Role } from '../../auth/principal.js';
import type { Queryable } from '../../database/database.js';
import type { ResourceRules } from '../resource-rules.js';
import { indexedParams } from '../search/definitions.js';
import { SqlParams } from '../search/sql-filters.js';
import type { Restriction } from '../search/sql-query.js';

/** Adds bind parameters to a query under construction and returns a boolean SQL expression. */
export type SqlRestriction = Restriction;

/** Types whose instances belong to a patient through their `patient` search parameter. */
function hasPatientParameter(resourceType: string): boolean {
  return indexedParams(resourceType).get('patient')?.targets.includes('Patient') ?? false;
}

export function relationshipPredicate(
  rules: ResourceRules,
  resourceType: string,
  roles: readonly Role[],
  org: string,
  params: SqlParams,
): string {
  const { resource, patient } = rules.relationships(resourceType, roles);
  const parts: string[] = [];
  let orgParam: string | undefined;
  const orgRef = () => {
    orgParam ??= params.add(org);
    return orgParam;
  };
  for (const relationship of resource) parts.push(`(${relationship.sql({ org: orgRef(), row: 'r' })})`);
  if (patient.length > 0) {
    const ofPatient = (patientId: string) =>
      patient.map((relationship) => `(${relationship.sql({ org: orgRef(), patientId })})`).join(' OR ');
    if (resourceType === 'Patient') parts.push(ofPatient('r.id'));
    else if (hasPatientParameter(resourceType)) {
      parts.push(
        'EXISTS (SELECT 1 FROM search_reference compartment_patient' +
          ' WHERE compartment_patient.resource_type = r.resource_type AND compartment_patient.id = r.id' +
          " AND compartment_patient.param = 'patient' AND compartment_patient.target_type = 'Patient'" +
          ` AND (${ofPatient('compartment_patient.target_id')}))`,
      );
    }
  }
  return parts.length === 0 ? 'false' : parts.join(' OR ');
}

/** The restriction a search of `resourceType` by these roles of `org` runs with. */
export function relationshipRestriction(
  rules: ResourceRules,
  resourceType: string,
  roles: readonly Role[],
  org: string | undefined,
): SqlRestriction {
  // No organisation on the token: nothing can be related to it.
  if (org === undefined) return () => 'false';
  return (params) => relationshipPredicate(rules, resourceType, roles, org, params);
}

/** The ids among `ids` (all of `resourceType`) that are related to `org` for these roles. */
export async function relatedIds(
  q: Queryable,
  rules: ResourceRules,
  resourceType: string,
  ids: readonly string[],
  roles: readonly Role[],
  org: string | undefined,
): Promise<Set<string>> {
  if (ids.length === 0 || org === undefined) return new Set();
  const params = new SqlParams();
  const type = params.add(resourceType);
  const idList = params.add(ids);
  const predicate = relationshipPredicate(rules, resourceType, roles, org, params);
  if (predicate === 'false') return new Set();
  const result = await q.query<{ id: string }>(
    `SELECT r.id FROM fhir_resource r WHERE r.resource_type = ${type} AND r.id = ANY(${idList}::text[]) AND (${predicate})`,
    params.values,
  );
  return new Set(result.rows.map((row) => row.id));
}
