/**
 * `_include` and `_revinclude`: one query per spec, joining the matched ids through
 * search_reference to fhir_resource. Only literal references (`Type/id`) can be followed; a
 * reference by identifier alone names no stored resource. For a patient-bound caller the included
 * rows are narrowed to the caller's compartment too, so other patients' records can neither be
 * returned nor crowd the caller's own out of a capped reverse include.
 */
import type { Queryable } from '../../database/database.js';
import { compartmentPredicate, type PatientCompartment } from './compartment-filter.js';
import type { IncludeSpec } from './search-request.js';
import { SqlParams } from './sql-filters.js';

export interface StoredRow {
  resource_type: string;
  id: string;
  content: string;
}

/** Guards a page against a reverse include that fans out without bound (a Patient's every Task). */
export const MAX_REVINCLUDE_ROWS = 1000;

export async function loadIncludes(
  db: Queryable,
  resourceType: string,
  ids: string[],
  spec: IncludeSpec,
  compartment?: PatientCompartment,
): Promise<StoredRow[]> {
  const params = new SqlParams();
  const source = `f.resource_type = ${params.add(resourceType)} AND f.id = ANY(${params.add(ids)}::text[])`;
  let targetFilter = ` AND f.param = ${params.add(spec.param)}`;
  if (spec.targetType) targetFilter += ` AND f.target_type = ${params.add(spec.targetType)}`;
  const own = compartment ? ` AND ${compartmentPredicate(compartment, 'r', undefined, params)}` : '';
  const result = await db.query<StoredRow>(
    `SELECT r.resource_type, r.id, r.content FROM fhir_resource r
     WHERE (r.resource_type, r.id) IN (
       SELECT f.target_type, f.target_id FROM search_reference f
       WHERE ${source}${targetFilter})
     AND NOT r.deleted${own}
     ORDER BY r.resource_type, r.id`,
    params.values,
  );
  return result.rows;
}

export async function loadRevIncludes(
  db: Queryable,
  resourceType: string,
  ids: string[],
  spec: IncludeSpec,
  compartment?: PatientCompartment,
): Promise<StoredRow[]> {
  const params = new SqlParams();
  params.add(spec.sourceType);
  const target = `f.param = ${params.add(spec.param)} AND f.target_type = ${params.add(resourceType)}`;
  const matched = `f.target_id = ANY(${params.add(ids)}::text[])`;
  const own = compartment ? compartmentPredicate(compartment, 'r', spec.sourceType, params) : 'true';
  const result = await db.query<StoredRow>(
    `SELECT r.resource_type, r.id, r.content FROM fhir_resource r
     WHERE r.resource_type = $1 AND r.id IN (
       SELECT f.id FROM search_reference f
       WHERE f.resource_type = $1 AND ${target} AND ${matched})
     AND NOT r.deleted${own === 'true' ? '' : ` AND ${own}`}
     ORDER BY r.id
     LIMIT ${MAX_REVINCLUDE_ROWS}`,
    params.values,
  );
  return result.rows;
}
