/**
 * Filters → SQL predicates over `fhir_resource r`. Every value travels as a bind parameter; the
 * only text spliced into SQL is table and column names chosen here. Each filter is an EXISTS over
 * one index table, correlated on (resource_type, id), which PostgreSQL plans as a semi-join driven
 * by the table's lookup index.
 */
import { toSqlTimestamp } from './date-range.js';
import { columnContains, columnEquals, columnEqualsAny, columnStartsWith } from './long-values.js';
import type { DateCondition, Filter, ReferenceCondition, TokenCondition } from './search-request.js';
import { normaliseString } from './values.js';

/** Collects bind parameters and hands out their `$n` placeholders. */
export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** `$1` must already be the resource type. */
export function filterPredicate(filter: Filter, params: SqlParams): string {
  switch (filter.kind) {
    case 'id': {
      const match = `r.id = ANY(${params.add(filter.ids)}::text[])`;
      return filter.not ? `NOT (${match})` : match;
    }
    case 'lastUpdated':
      return anyOf(
        filter.conditions.map((condition) => pointDatePredicate('r.last_updated', condition, params)),
      );
    case 'token': {
      const match = exists('search_token', 't', filter.param, tokenMatch(filter.conditions, params), params);
      return filter.not ? `NOT ${match}` : match;
    }
    case 'uri':
      return exists(
        'search_token',
        't',
        filter.param,
        anyOf(columnEqualsAny('t.value', filter.values, params)),
        params,
      );
    case 'reference':
      return exists(
        'search_reference',
        'f',
        filter.param,
        anyOf(filter.conditions.map((condition) => referenceMatch(condition, params))),
        params,
      );
    case 'date':
      return exists(
        'search_date',
        'd',
        filter.param,
        anyOf(filter.conditions.map((condition) => rangeDatePredicate(condition, params))),
        params,
      );
    case 'string':
      return exists(
        'search_string',
        's',
        filter.param,
        stringMatch(filter.match, filter.values, params),
        params,
      );
    case 'missing': {
      const present = exists(filter.table, 'x', filter.param, 'true', params);
      return filter.missing ? `NOT ${present}` : present;
    }
  }
}

function exists(table: string, alias: string, param: string, condition: string, params: SqlParams): string {
  return (
    `EXISTS (SELECT 1 FROM ${table} ${alias} WHERE ${alias}.resource_type = $1 AND ${alias}.id = r.id` +
    ` AND ${alias}.param = ${params.add(param)} AND (${condition}))`
  );
}

function anyOf(conditions: string[]): string {
  return conditions.length === 1 ? (conditions[0] ?? 'false') : conditions.map((c) => `(${c})`).join(' OR ');
}

/** Plain codes are gathered into one `= ANY(…)` so a long OR list stays one index condition. */
function tokenMatch(conditions: TokenCondition[], params: SqlParams): string {
  const plainCodes: string[] = [];
  const others: string[] = [];
  for (const { system, code } of conditions) {
    if (system === undefined && code !== undefined) plainCodes.push(code);
    else others.push(systemAndCode('t.system', 't.value', system, code, params));
  }
  if (plainCodes.length > 0) others.unshift(...columnEqualsAny('t.value', plainCodes, params));
  return anyOf(others);
}

function systemAndCode(
  systemColumn: string,
  valueColumn: string,
  system: string | null | undefined,
  code: string | undefined,
  params: SqlParams,
): string {
  const parts: string[] = [];
  if (code !== undefined) parts.push(columnEquals(valueColumn, code, params));
  else parts.push(`${valueColumn} IS NOT NULL`);
  if (system === null) parts.push(`${systemColumn} IS NULL`);
  else if (system !== undefined) parts.push(columnEquals(systemColumn, system, params));
  return parts.join(' AND ');
}

function referenceMatch(condition: ReferenceCondition, params: SqlParams): string {
  if (condition.kind === 'identifier') {
    return systemAndCode(
      'f.identifier_system',
      'f.identifier_value',
      condition.system,
      condition.value,
      params,
    );
  }
  const id = columnEquals('f.target_id', condition.id, params);
  return condition.type ? `${id} AND ${columnEquals('f.target_type', condition.type, params)}` : id;
}

/**
 * Date prefixes over ranges, FHIR R4 §3.1.1.5.5: the indexed value is [d.low, d.high), the search
 * value [lo, hi). eq: contained; ne: not contained; gt/lt: reaches beyond; ge = gt or eq;
 * le = lt or eq; sa: starts at or after the end; eb: ends at or before the start; ap: overlaps.
 */
function rangeDatePredicate({ prefix, range }: DateCondition, params: SqlParams): string {
  const lo = () => `${params.add(toSqlTimestamp(range.low))}::timestamptz`;
  const hi = () => `${params.add(toSqlTimestamp(range.high))}::timestamptz`;
  switch (prefix) {
    case 'eq': {
      // `d.low < hi` follows from the others (low < high); it bounds the index range scan on low.
      const high = hi();
      return `d.low >= ${lo()} AND d.low < ${high} AND d.high <= ${high}`;
    }
    case 'ne':
      return `NOT (d.low >= ${lo()} AND d.high <= ${hi()})`;
    case 'gt':
      return `d.high > ${hi()}`;
    case 'lt':
      return `d.low < ${lo()}`;
    case 'ge': {
      const [low, high] = [lo(), hi()];
      return `d.high > ${high} OR (d.low >= ${low} AND d.high <= ${high})`;
    }
    case 'le': {
      const [low, high] = [lo(), hi()];
      return `d.low < ${low} OR (d.low >= ${low} AND d.high <= ${high})`;
    }
    case 'sa':
      return `d.low >= ${hi()}`;
    case 'eb': {
      // as for eq: `d.low < lo` is implied and lets the index bound the scan
      const low = lo();
      return `d.high <= ${low} AND d.low < ${low}`;
    }
    case 'ap':
      return `d.low < ${hi()} AND d.high > ${lo()}`;
  }
}

/**
 * The same prefixes for a single instant t (`_lastUpdated`), written so that each one is a plain
 * range condition on the column and uses the (resource_type, last_updated, id) index.
 */
export function pointDatePredicate(
  column: string,
  { prefix, range }: DateCondition,
  params: SqlParams,
): string {
  const lo = () => `${params.add(toSqlTimestamp(range.low))}::timestamptz`;
  const hi = () => `${params.add(toSqlTimestamp(range.high))}::timestamptz`;
  switch (prefix) {
    case 'eq':
    case 'ap':
      return `${column} >= ${lo()} AND ${column} < ${hi()}`;
    case 'ne':
      return `(${column} < ${lo()} OR ${column} >= ${hi()})`;
    case 'gt':
    case 'sa':
      return `${column} >= ${hi()}`;
    case 'lt':
    case 'eb':
      return `${column} < ${lo()}`;
    case 'ge':
      return `${column} >= ${lo()}`;
    case 'le':
      return `${column} < ${hi()}`;
  }
}

function stringMatch(
  match: 'starts-with' | 'exact' | 'contains',
  values: string[],
  params: SqlParams,
): string {
  return anyOf(
    values.map((value) => {
      const normalised = normaliseString(value);
      if (match === 'exact')
        return `${columnEquals('s.value', normalised, params)} AND s.exact = ${params.add(value)}`;
      return match === 'contains'
        ? columnContains('s.value', normalised, escapeLike, params)
        : columnStartsWith('s.value', normalised, escapeLike, params);
    }),
  );
}

/** LIKE treats % and _ as wildcards and \ as the escape; search text means them literally. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}
