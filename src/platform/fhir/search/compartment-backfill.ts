/**
 * Writes the patient compartment rows of resources stored before those rows existed (migration
 * 0014), so that a patient's narrowed searches find their older records too. Runs after the
 * migrations at start-up (and in `pathways migrate`); once done it removes its request row and
 * later starts cost one query. Batches go in key order, each in one transaction that locks its
 * resources, so a write racing the backfill either waits or has already written its own rows.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Database, Queryable } from '../../database/database.js';
import { compartmentEntry, PATIENT_COMPARTMENT_PARAM } from './compartment-filter.js';

const BACKFILL = 'patient-compartment';
const BATCH_SIZE = 500;

interface StoredRow {
  resource_type: string;
  id: string;
  content: string;
}

/** The number of resources given a compartment row (0 when there was nothing to do). */
export async function backfillPatientCompartment(db: Database, batchSize = BATCH_SIZE): Promise<number> {
  const pending = await db.query('SELECT 1 FROM search_backfill WHERE name = $1', [BACKFILL]);
  if (pending.rowCount === 0) return 0;
  let after: [string, string] = ['', ''];
  let written = 0;
  for (;;) {
    const batch = await db.transaction(async (tx) => {
      const rows = (
        await tx.query<StoredRow>(
          `SELECT resource_type, id, content FROM fhir_resource
           WHERE (resource_type, id) > ($1, $2) AND NOT deleted
           ORDER BY resource_type, id LIMIT ${batchSize} FOR UPDATE`,
          after,
        )
      ).rows;
      return { last: rows.at(-1), size: rows.length, written: await writeRows(tx, rows) };
    });
    written += batch.written;
    if (!batch.last || batch.size < batchSize) break;
    after = [batch.last.resource_type, batch.last.id];
  }
  await db.query('DELETE FROM search_backfill WHERE name = $1', [BACKFILL]);
  return written;
}

async function writeRows(tx: Queryable, rows: StoredRow[]): Promise<number> {
  const types: string[] = [];
  const ids: string[] = [];
  const patients: string[] = [];
  for (const row of rows) {
    const resource = parse(row.content);
    const entry = resource && compartmentEntry(resource);
    if (!entry?.targetId) continue;
    types.push(row.resource_type);
    ids.push(row.id);
    patients.push(entry.targetId);
  }
  if (types.length === 0) return 0;
  await tx.query(
    `DELETE FROM search_reference WHERE param = $1
     AND (resource_type, id) IN (SELECT * FROM unnest($2::text[], $3::text[]))`,
    [PATIENT_COMPARTMENT_PARAM, types, ids],
  );
  await tx.query(
    `INSERT INTO search_reference (resource_type, id, param, target_type, target_id)
     SELECT t, i, $1, 'Patient', p FROM unnest($2::text[], $3::text[], $4::text[]) AS x(t, i, p)`,
    [PATIENT_COMPARTMENT_PARAM, types, ids, patients],
  );
  return types.length;
}

/** Stored content is the JSON the store wrote; anything unreadable belongs to no one. */
function parse(content: string): Resource | undefined {
  try {
    return JSON.parse(content) as Resource;
  } catch {
    return undefined;
  }
}
