/**
 * Writes a resource's search index inside the caller's transaction. All four tables are replaced
 * by one statement (one round trip, one constant SQL text the server can cache): data-modifying
 * CTEs all see the snapshot taken before the statement, so the DELETEs remove only the old rows
 * and never the ones the INSERTs add. Each INSERT is a single multi-row insert from unnest().
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../../database/database.js';
import { toSqlTimestamp } from './date-range.js';
import { buildIndexRows } from './index-rows.js';

const REPLACE_INDEX_SQL = `
WITH
  old_token AS (DELETE FROM search_token WHERE resource_type = $1 AND id = $2),
  old_reference AS (DELETE FROM search_reference WHERE resource_type = $1 AND id = $2),
  old_date AS (DELETE FROM search_date WHERE resource_type = $1 AND id = $2),
  old_string AS (DELETE FROM search_string WHERE resource_type = $1 AND id = $2),
  new_token AS (
    INSERT INTO search_token (resource_type, id, param, system, value)
    SELECT $1, $2, t.param, t.system, t.value FROM unnest($3::text[], $4::text[], $5::text[]) AS t(param, system, value)
  ),
  new_reference AS (
    INSERT INTO search_reference (resource_type, id, param, target_type, target_id, identifier_system, identifier_value)
    SELECT $1, $2, r.param, r.target_type, r.target_id, r.identifier_system, r.identifier_value
    FROM unnest($6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
      AS r(param, target_type, target_id, identifier_system, identifier_value)
  ),
  new_date AS (
    INSERT INTO search_date (resource_type, id, param, low, high)
    SELECT $1, $2, d.param, d.low::timestamptz, d.high::timestamptz
    FROM unnest($11::text[], $12::text[], $13::text[]) AS d(param, low, high)
  ),
  new_string AS (
    INSERT INTO search_string (resource_type, id, param, value, exact)
    SELECT $1, $2, s.param, s.value, s.exact FROM unnest($14::text[], $15::text[], $16::text[]) AS s(param, value, exact)
  )
SELECT 1`;

const DELETE_INDEX_SQL = `
WITH
  old_token AS (DELETE FROM search_token WHERE resource_type = $1 AND id = $2),
  old_reference AS (DELETE FROM search_reference WHERE resource_type = $1 AND id = $2),
  old_date AS (DELETE FROM search_date WHERE resource_type = $1 AND id = $2),
  old_string AS (DELETE FROM search_string WHERE resource_type = $1 AND id = $2)
SELECT 1`;

/** Replaces every index row of the resource (create and update). */
export async function writeSearchIndex(tx: Queryable, resource: Resource): Promise<void> {
  if (!resource.id) throw new Error('writeSearchIndex: the resource has no id');
  const rows = buildIndexRows(resource);
  await tx.query(REPLACE_INDEX_SQL, [
    resource.resourceType,
    resource.id,
    rows.tokens.map((row) => row.param),
    rows.tokens.map((row) => row.system),
    rows.tokens.map((row) => row.value),
    rows.references.map((row) => row.param),
    rows.references.map((row) => row.targetType),
    rows.references.map((row) => row.targetId),
    rows.references.map((row) => row.identifierSystem),
    rows.references.map((row) => row.identifierValue),
    rows.dates.map((row) => row.param),
    rows.dates.map((row) => toSqlTimestamp(row.low)),
    rows.dates.map((row) => toSqlTimestamp(row.high)),
    rows.strings.map((row) => row.param),
    rows.strings.map((row) => row.value),
    rows.strings.map((row) => row.exact),
  ]);
}

/** Removes the resource from search (delete: the tombstone must never match). */
export async function deleteSearchIndex(tx: Queryable, resourceType: string, id: string): Promise<void> {
  await tx.query(DELETE_INDEX_SQL, [resourceType, id]);
}
