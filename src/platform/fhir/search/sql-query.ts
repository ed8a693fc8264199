/**
 * SearchRequest → the page query and the count query. Paging is by OFFSET over a total order
 * (the requested sort keys, then id), so every page boundary is stable while the data is. For a
 * patient-bound caller the patient compartment is one more condition of both, so the count and
 * the pages only ever see the caller's own records.
 */
import { compartmentPredicate, type PatientCompartment } from './compartment-filter.js';
import { indexedParams } from './definitions.js';
import type { SearchRequest, SortKey } from './search-request.js';
import { filterPredicate, SqlParams } from './sql-filters.js';

export interface BuiltQuery {
  sql: string;
  params: unknown[];
}

/** A predicate over `r` added to the search (the caller's access); adds its own bind parameters. */
export type Restriction = (params: SqlParams) => string;

/** Who the search runs for: a patient's compartment and/or a staff caller's access predicate. */
export interface SearchScope {
  compartment?: PatientCompartment | undefined;
  restriction?: Restriction | undefined;
}

function whereClause(request: SearchRequest, params: SqlParams, scope: SearchScope = {}): string {
  const { compartment, restriction } = scope;
  params.add(request.resourceType);
  const predicates = ['r.resource_type = $1', 'NOT r.deleted'];
  if (compartment) {
    const own = compartmentPredicate(compartment, 'r', request.resourceType, params);
    if (own !== 'true') predicates.push(own);
  }
  for (const filter of request.filters) predicates.push(`(${filterPredicate(filter, params)})`);
  if (restriction) predicates.push(`(${restriction(params)})`);
  return predicates.join('\n  AND ');
}

/** One row more than the page, so the caller knows whether a next page exists. */
export function buildPageQuery(request: SearchRequest, scope: SearchScope = {}): BuiltQuery {
  const params = new SqlParams();
  const where = whereClause(request, params, scope);
  const orderBy = [...request.sort.map((key) => sortExpression(request.resourceType, key, params)), 'r.id'];
  const sql =
    `SELECT r.id, r.content FROM fhir_resource r\nWHERE ${where}\n` +
    `ORDER BY ${orderBy.join(', ')}\nLIMIT ${params.add(request.count + 1)} OFFSET ${params.add(request.offset)}`;
  return { sql, params: params.values };
}

export function buildCountQuery(request: SearchRequest, scope: SearchScope = {}): BuiltQuery {
  const params = new SqlParams();
  const where = whereClause(request, params, scope);
  return { sql: `SELECT count(*)::int AS total FROM fhir_resource r\nWHERE ${where}`, params: params.values };
}

const SORT_TABLE = {
  date: 'search_date',
  string: 'search_string',
  token: 'search_token',
  uri: 'search_token',
};

/**
 * A resource sorts by its lowest value ascending and its highest descending (a date range by its
 * start ascending, its end descending); resources without a value come last either way.
 */
function sortExpression(resourceType: string, key: SortKey, params: SqlParams): string {
  const direction = key.descending ? 'DESC' : 'ASC';
  if (key.param === '_id') return `r.id ${direction}`;
  if (key.param === '_lastUpdated') return `r.last_updated ${direction}`;
  const definition = indexedParams(resourceType).get(key.param);
  const type = definition?.type;
  if (type !== 'date' && type !== 'string' && type !== 'token' && type !== 'uri') {
    throw new Error(`sort by ${key.param} was not validated`);
  }
  const column = type === 'date' ? (key.descending ? 'high' : 'low') : 'value';
  const aggregate = key.descending ? 'max' : 'min';
  return (
    `(SELECT ${aggregate}(v.${column}) FROM ${SORT_TABLE[type]} v WHERE v.resource_type = r.resource_type` +
    ` AND v.id = r.id AND v.param = ${params.add(key.param)}) ${direction} NULLS LAST`
  );
}
