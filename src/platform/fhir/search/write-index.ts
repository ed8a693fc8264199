/**
 * Writes a resource's search index inside the caller's transaction: one call of the
 * search_index_replace function (migrations/0002_fhir_search.sql), which deletes the old rows and
 * adds the new ones with one multi-row INSERT per table. One round trip, and no parse or plan
 * per write because PL/pgSQL keeps its statements' plans for the connection. The rows include the
 * resource's patient compartment row (compartment-filter.ts), so it is never out of step either.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../../database/database.js';
import { compartmentEntry } from './compartment-filter.js';
import { toSqlTimestamp } from './date-range.js';
import { buildIndexRows } from './index-rows.js';

const REPLACE_INDEX_SQL = `SELECT search_index_replace(
  $1, $2, $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
  $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[])`;

/** PostgreSQL text cannot hold NUL, which JSON strings may; such a value is indexed without it. */
function sqlText<T extends string | null>(value: T): T {
  return (value?.includes('\u0000') ? value.replaceAll('\u0000', '') : value) as T;
}

const NO_ROWS = Array.from({ length: 14 }, (): string[] => []);

/**
 * The index rows of a new resource as one JSON document, for fhir_create (migration 0022):
 * {"t": [[param, system, value]], "r": [[param, type, id, system, value]], "d": [[param, low,
 * high]], "s": [[param, value, exact]]}.
 */
export function indexDocument(resource: Resource): string {
  const rows = buildIndexRows(resource);
  const compartment = compartmentEntry(resource);
  if (compartment) rows.references.push(compartment);
  return JSON.stringify({
    t: rows.tokens.map((row) => [row.param, sqlText(row.system), sqlText(row.value)]),
    r: rows.references.map((row) => [
      row.param,
      sqlText(row.targetType),
      sqlText(row.targetId),
      sqlText(row.identifierSystem),
      sqlText(row.identifierValue),
    ]),
    d: rows.dates.map((row) => [row.param, toSqlTimestamp(row.low), toSqlTimestamp(row.high)]),
    s: rows.strings.map((row) => [row.param, sqlText(row.value), sqlText(row.exact)]),
  });
}

/** Replaces every index row of the resource (update; a create writes its rows with fhir_create). */
export async function writeSearchIndex(tx: Queryable, resource: Resource): Promise<void> {
  if (!resource.id) throw new Error('writeSearchIndex: the resource has no id');
  const rows = buildIndexRows(resource);
  const compartment = compartmentEntry(resource);
  if (compartment) rows.references.push(compartment);
  await tx.query(REPLACE_INDEX_SQL, [
    resource.resourceType,
    resource.id,
    rows.tokens.map((row) => row.param),
    rows.tokens.map((row) => sqlText(row.system)),
    rows.tokens.map((row) => sqlText(row.value)),
    rows.references.map((row) => row.param),
    rows.references.map((row) => sqlText(row.targetType)),
    rows.references.map((row) => sqlText(row.targetId)),
    rows.references.map((row) => sqlText(row.identifierSystem)),
    rows.references.map((row) => sqlText(row.identifierValue)),
    rows.dates.map((row) => row.param),
    rows.dates.map((row) => toSqlTimestamp(row.low)),
    rows.dates.map((row) => toSqlTimestamp(row.high)),
    rows.strings.map((row) => row.param),
    rows.strings.map((row) => sqlText(row.value)),
    rows.strings.map((row) => sqlText(row.exact)),
  ]);
}

/** Removes the resource from search (delete: the tombstone must never match). */
export async function deleteSearchIndex(tx: Queryable, resourceType: string, id: string): Promise<void> {
  await tx.query(REPLACE_INDEX_SQL, [resourceType, id, ...NO_ROWS]);
}
