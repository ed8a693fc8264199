/**
 * One batch of an export as SQL: the next `limit` resources of one type after `afterId`, in id
 * order (the primary key), as they stood at the export's transaction time. Keyset paging keeps
 * every batch an index range scan however far into millions of rows the export is, and the last
 * id written is the whole checkpoint needed to resume.
 */
import type { Queryable } from '../../platform/database/database.js';
import { PATIENT_COMPARTMENT_PARAM } from '../../platform/fhir/search/compartment-filter.js';
import { parseSearchQuery } from '../../platform/fhir/search/index.js';
import { filterPredicate, SqlParams } from '../../platform/fhir/search/sql-filters.js';
import type { ExportLevel, TypeFilter } from './export-request.js';

export interface BatchScope {
  level: ExportLevel;
  /** Group exports: the member patients' ids. */
  patientIds: readonly string[] | null;
  transactionTime: Date;
  since: Date | null;
  typeFilters: readonly TypeFilter[];
}

export interface BatchRow {
  id: string;
  content: string;
}

export function buildBatchQuery(
  scope: BatchScope,
  resourceType: string,
  afterId: string | null,
  limit: number,
): { sql: string; params: unknown[] } {
  const params = new SqlParams();
  const predicates = [
    `r.resource_type = ${params.add(resourceType)}`,
    'NOT r.deleted',
    `r.last_updated <= ${params.add(scope.transactionTime.toISOString())}::timestamptz`,
  ];
  if (scope.since) predicates.push(`r.last_updated > ${params.add(scope.since.toISOString())}::timestamptz`);
  if (afterId !== null) predicates.push(`r.id > ${params.add(afterId)}`);
  const compartment = compartmentPredicate(scope, resourceType, params);
  if (compartment) predicates.push(compartment);
  const filters = scope.typeFilters.filter((filter) => filter.type === resourceType);
  if (filters.length > 0) {
    // Several _typeFilter values for one type are alternatives; the parameters of one all apply.
    const alternatives = filters.map((filter) => {
      const request = parseSearchQuery(resourceType, new URLSearchParams(filter.query));
      const all = request.filters.map((condition) => `(${filterPredicate(condition, params)})`);
      return all.length > 0 ? all.join(' AND ') : 'true';
    });
    predicates.push(`(${alternatives.map((alternative) => `(${alternative})`).join(' OR ')})`);
  }
  const sql =
    `SELECT r.id, r.content FROM fhir_resource r WHERE ${predicates.join(' AND ')} ` +
    `ORDER BY r.id LIMIT ${params.add(limit)}`;
  return { sql, params: params.values };
}

/** Patient level: every patient and anything in a patient compartment; Group: the members'. */
function compartmentPredicate(
  scope: BatchScope,
  resourceType: string,
  params: SqlParams,
): string | undefined {
  if (scope.level === 'system') return undefined;
  const members = scope.level === 'group' ? [...(scope.patientIds ?? [])] : undefined;
  if (resourceType === 'Patient') return members ? `r.id = ANY(${params.add(members)}::text[])` : undefined;
  const target = members ? ` AND c.target_id = ANY(${params.add(members)}::text[])` : '';
  return (
    `EXISTS (SELECT 1 FROM search_reference c WHERE c.resource_type = r.resource_type AND c.id = r.id` +
    ` AND c.param = ${params.add(PATIENT_COMPARTMENT_PARAM)} AND c.target_type = 'Patient'${target})`
  );
}

export async function readBatch(
  db: Queryable,
  scope: BatchScope,
  resourceType: string,
  afterId: string | null,
  limit: number,
): Promise<BatchRow[]> {
  const { sql, params } = buildBatchQuery(scope, resourceType, afterId, limit);
  const { rows } = await db.query<BatchRow>(sql, params);
  return rows;
}
