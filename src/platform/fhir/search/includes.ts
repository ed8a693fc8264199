/**
 * `_include` and `_revinclude`: one query per spec, joining the matched ids through
 * search_reference to fhir_resource. Only literal references (`Type/id`) can be followed; a
 * reference by identifier alone names no stored resource.
 */
import type { Queryable } from '../../database/database.js';
import type { IncludeSpec } from './search-request.js';

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
): Promise<StoredRow[]> {
  const params: unknown[] = [resourceType, ids, spec.param];
  let targetFilter = '';
  if (spec.targetType) {
    params.push(spec.targetType);
    targetFilter = ' AND f.target_type = $4';
  }
  const result = await db.query<StoredRow>(
    `SELECT r.resource_type, r.id, r.content FROM fhir_resource r
     WHERE (r.resource_type, r.id) IN (
       SELECT f.target_type, f.target_id FROM search_reference f
       WHERE f.resource_type = $1 AND f.id = ANY($2::text[]) AND f.param = $3${targetFilter})
     AND NOT r.deleted
     ORDER BY r.resource_type, r.id`,
    params,
  );
  return result.rows;
}

export async function loadRevIncludes(
  db: Queryable,
  resourceType: string,
  ids: string[],
  spec: IncludeSpec,
): Promise<StoredRow[]> {
  const result = await db.query<StoredRow>(
    `SELECT r.resource_type, r.id, r.content FROM fhir_resource r
     WHERE r.resource_type = $1 AND r.id IN (
       SELECT f.id FROM search_reference f
       WHERE f.resource_type = $1 AND f.param = $2 AND f.target_type = $3 AND f.target_id = ANY($4::text[]))
     AND NOT r.deleted
     ORDER BY r.id
     LIMIT ${MAX_REVINCLUDE_ROWS}`,
    [spec.sourceType, spec.param, resourceType, ids],
  );
  return result.rows;
}
