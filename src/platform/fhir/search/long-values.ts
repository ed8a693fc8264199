/**
 * The search index keeps at most the first INDEX_PREFIX_LENGTH characters of a value in its
 * indexed columns, and the whole of a longer one in the column's `_full` twin
 * (migrations/0016_search_long_values.sql), so that no value can exceed a b-tree row. These build
 * the SQL that still matches whole values exactly: through the index on the prefix, and on the
 * whole value only when the search value is long enough to be a cut one.
 */
import type { SqlParams } from './sql-filters.js';

export const INDEX_PREFIX_LENGTH = 256;

/** `column` holds the value exactly `value` (the column's `_full` twin has the rest). */
export function columnEquals(column: string, value: string, params: SqlParams): string {
  if (value.length < INDEX_PREFIX_LENGTH) return `${column} = ${params.add(value)}`;
  // A value of the prefix's length or more may be cut: the prefix narrows, the whole decides.
  return (
    `${column} = ${params.add(value.slice(0, INDEX_PREFIX_LENGTH))}` +
    ` AND coalesce(${column}_full, ${column}) = ${params.add(value)}`
  );
}

/** `column` is any of `values`: the short ones as one `= ANY(…)`, the long ones one by one. */
export function columnEqualsAny(column: string, values: string[], params: SqlParams): string[] {
  const short = values.filter((value) => value.length < INDEX_PREFIX_LENGTH);
  const long = values.filter((value) => value.length >= INDEX_PREFIX_LENGTH);
  return [
    ...(short.length > 0 ? [`${column} = ANY(${params.add(short)}::text[])`] : []),
    ...long.map((value) => columnEquals(column, value, params)),
  ];
}

/**
 * `column` starts with `prefix` (already normalised; `toPattern` makes it a LIKE pattern). A prefix
 * no longer than the kept one is answered by the kept prefix alone, which the index serves.
 */
export function columnStartsWith(
  column: string,
  prefix: string,
  toPattern: (text: string) => string,
  params: SqlParams,
): string {
  if (prefix.length <= INDEX_PREFIX_LENGTH) return `${column} LIKE ${params.add(`${toPattern(prefix)}%`)}`;
  return (
    `${column} = ${params.add(prefix.slice(0, INDEX_PREFIX_LENGTH))}` +
    ` AND coalesce(${column}_full, ${column}) LIKE ${params.add(`${toPattern(prefix)}%`)}`
  );
}

/** `column` contains `text` anywhere in the whole value (no index serves this either way). */
export function columnContains(
  column: string,
  text: string,
  toPattern: (text: string) => string,
  params: SqlParams,
): string {
  return `coalesce(${column}_full, ${column}) LIKE ${params.add(`%${toPattern(text)}%`)}`;
}
