/**
 * The resources a view reads from the database, in batches (never the whole table in memory):
 * the stored resources of its type, in id order, plus the derived ones (derived-resources.ts) —
 * MedicationDispenses from the prescriptions' dispensing state, Communications for notifications.
 */
import type { MedicationRequest } from '@medplum/fhirtypes';
import type { Queryable } from '../../platform/database/database.js';
import { readBatch } from '../export/export-query.js';
import {
  communicationOf,
  dispensesOf,
  type NotificationRow,
  type PrescriptionRow,
} from './derived-resources.js';

const BATCH = 500;

export async function* storedResources(db: Queryable, resourceType: string): AsyncGenerator<object[]> {
  const scope = {
    level: 'system' as const,
    patientIds: null,
    transactionTime: new Date(),
    since: null,
    typeFilters: [],
  };
  let after: string | null = null;
  for (;;) {
    const rows = await readBatch(db, scope, resourceType, after, BATCH);
    if (rows.length > 0) yield rows.map((row) => JSON.parse(row.content) as object);
    if (rows.length < BATCH) return;
    after = rows[rows.length - 1]!.id;
  }
}

async function* derivedDispenses(db: Queryable): AsyncGenerator<object[]> {
  let after = '';
  for (;;) {
    const { rows } = await db.query<PrescriptionRow>(
      `SELECT short_form_id, patient, dispenser, last_dispensed_at, created_at, state FROM prescription
       WHERE short_form_id > $1 AND jsonb_array_length(state->'dispenses') > 0
       ORDER BY short_form_id LIMIT $2`,
      [after, BATCH],
    );
    if (rows.length === 0) return;
    const parsed = rows.map((row) => ({
      ...row,
      state: typeof row.state === 'string' ? JSON.parse(row.state) : row.state,
    }));
    const itemIds = parsed.flatMap((row) =>
      (row.state.dispenses ?? []).flatMap((record: { lines: Array<{ itemId: string }> }) =>
        record.lines.map((line) => line.itemId),
      ),
    );
    const medications = new Map<string, MedicationRequest['medicationCodeableConcept']>();
    const items = await db.query<{ id: string; content: string }>(
      `SELECT id, content FROM fhir_resource WHERE resource_type = 'MedicationRequest' AND id = ANY($1::text[])`,
      [[...new Set(itemIds)]],
    );
    for (const item of items.rows) {
      medications.set(item.id, (JSON.parse(item.content) as MedicationRequest).medicationCodeableConcept);
    }
    yield parsed.flatMap((row) => dispensesOf(row, (itemId) => medications.get(itemId)));
    if (rows.length < BATCH) return;
    after = rows[rows.length - 1]!.short_form_id;
  }
}

async function* derivedNotifications(db: Queryable): AsyncGenerator<object[]> {
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const { rows } = await db.query<NotificationRow>(
      `SELECT id::text AS id, patient, template, state, channel, attempts, created_at, finished_at
       FROM notification WHERE id > $1::uuid ORDER BY id LIMIT $2`,
      [after, BATCH],
    );
    if (rows.length > 0) yield rows.map(communicationOf);
    if (rows.length < BATCH) return;
    after = rows[rows.length - 1]!.id;
  }
}

/** Every resource of `resourceType` a view over the database reads, batch by batch. */
export async function* viewSource(db: Queryable, resourceType: string): AsyncGenerator<object[]> {
  yield* storedResources(db, resourceType);
  if (resourceType === 'MedicationDispense') yield* derivedDispenses(db);
  if (resourceType === 'Communication') yield* derivedNotifications(db);
}
