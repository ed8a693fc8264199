/** The service-desk worklist: notifications that could not reach the patient, until a person resolves them. */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../platform/database/database.js';
import type { Channel } from './templates.js';

export interface WorklistItem {
  id: string;
  notificationId: string;
  patient: string;
  template: string;
  channelsTried: Channel[];
  reason: string;
  created: string;
  resolved: string | null;
  resolvedBy: string | null;
  note: string | null;
}

interface Row {
  id: string;
  notification_id: string;
  patient: string;
  template: string;
  channels_tried: Channel[];
  reason: string;
  created_at: Date | string;
  resolved_at: Date | string | null;
  resolved_by: string | null;
  resolution_note: string | null;
}

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

function toItem(row: Row): WorklistItem {
  return {
    id: row.id,
    notificationId: row.notification_id,
    patient: row.patient,
    template: row.template,
    channelsTried: row.channels_tried,
    reason: row.reason,
    created: iso(row.created_at)!,
    resolved: iso(row.resolved_at),
    resolvedBy: row.resolved_by,
    note: row.resolution_note,
  };
}

export async function addToWorklist(
  tx: Queryable,
  input: {
    notificationId: string;
    patient: string;
    template: string;
    channelsTried: Channel[];
    reason: string;
    now: Date;
  },
): Promise<string> {
  const result = await tx.query<{ id: string }>(
    `INSERT INTO notification_worklist (id, notification_id, patient, template, channels_tried, reason, created_at)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)
     ON CONFLICT (notification_id) DO UPDATE SET reason = notification_worklist.reason
     RETURNING id`,
    [
      randomUUID(),
      input.notificationId,
      input.patient,
      input.template,
      JSON.stringify(input.channelsTried),
      input.reason,
      input.now,
    ],
  );
  return result.rows[0]!.id;
}

export async function openItems(q: Queryable, limit: number): Promise<WorklistItem[]> {
  const result = await q.query<Row>(
    'SELECT * FROM notification_worklist WHERE resolved_at IS NULL ORDER BY created_at, id LIMIT $1',
    [limit],
  );
  return result.rows.map(toItem);
}

export async function countOpen(q: Queryable): Promise<number> {
  const result = await q.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM notification_worklist WHERE resolved_at IS NULL',
  );
  return Number(result.rows[0]?.n ?? 0);
}

export async function itemForNotification(
  q: Queryable,
  notificationId: string,
): Promise<WorklistItem | undefined> {
  const result = await q.query<Row>('SELECT * FROM notification_worklist WHERE notification_id = $1', [
    notificationId,
  ]);
  return result.rows[0] ? toItem(result.rows[0]) : undefined;
}

export type Resolution = { resolved: WorklistItem } | { missing: true } | { alreadyResolved: WorklistItem };

export async function resolveItem(
  tx: Queryable,
  id: string,
  input: { by: string; note: string; now: Date },
): Promise<Resolution> {
  const current = await tx.query<Row>('SELECT * FROM notification_worklist WHERE id = $1 FOR UPDATE', [id]);
  const row = current.rows[0];
  if (!row) return { missing: true };
  if (row.resolved_at !== null) return { alreadyResolved: toItem(row) };
  const updated = await tx.query<Row>(
    `UPDATE notification_worklist SET resolved_at = $2, resolved_by = $3, resolution_note = $4
     WHERE id = $1 RETURNING *`,
    [id, input.now, input.by, input.note],
  );
  return { resolved: toItem(updated.rows[0]!) };
}
