/**
 * Prescription status updates from pharmacies (migration 0021): recorded by dispensing, read by
 * the tracker (the latest per item) and by the "ready to collect" cool-down.
 */
import type { Queryable } from '../../platform/database/database.js';

export interface StoredStatusUpdate {
  shortFormId: string;
  itemId: string;
  businessStatus: string;
  lastModified: Date;
}

/** Records an update; false when it is a duplicate (same id, or same item, status and time). */
export async function recordStatusUpdate(
  tx: Queryable,
  update: StoredStatusUpdate & {
    updateId: string;
    pharmacy: string;
    taskStatus: string;
    notified: boolean;
  },
): Promise<boolean> {
  const result = await tx.query(
    `INSERT INTO prescription_status_update
       (update_id, short_form_id, item_id, pharmacy, business_status, task_status, last_modified, notified)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
    [
      update.updateId,
      update.shortFormId,
      update.itemId,
      update.pharmacy,
      update.businessStatus,
      update.taskStatus,
      update.lastModified,
      update.notified,
    ],
  );
  return result.rowCount === 1;
}

/** When the patient was last told this prescription is ready (for the cool-down). */
export async function lastNotifiedAt(q: Queryable, shortFormId: string): Promise<Date | undefined> {
  const result = await q.query<{ at: Date | null }>(
    'SELECT max(created_at) AS at FROM prescription_status_update WHERE short_form_id = $1 AND notified',
    [shortFormId],
  );
  const at = result.rows[0]?.at;
  return at ? new Date(at) : undefined;
}

/** The latest update of each item of the given prescriptions, newest lastModified first. */
export async function latestStatusUpdates(
  q: Queryable,
  shortFormIds: string[],
): Promise<Map<string, StoredStatusUpdate[]>> {
  const byPrescription = new Map<string, StoredStatusUpdate[]>();
  if (shortFormIds.length === 0) return byPrescription;
  const result = await q.query<{
    short_form_id: string;
    item_id: string;
    business_status: string;
    last_modified: Date;
  }>(
    `SELECT DISTINCT ON (short_form_id, item_id) short_form_id, item_id, business_status, last_modified
     FROM prescription_status_update WHERE short_form_id = ANY($1::text[])
     ORDER BY short_form_id, item_id, last_modified DESC, created_at DESC`,
    [shortFormIds],
  );
  for (const row of result.rows) {
    const list = byPrescription.get(row.short_form_id) ?? [];
    list.push({
      shortFormId: row.short_form_id,
      itemId: row.item_id,
      businessStatus: row.business_status,
      lastModified: new Date(row.last_modified),
    });
    byPrescription.set(row.short_form_id, list);
  }
  for (const list of byPrescription.values())
    list.sort((a, b) => b.lastModified.getTime() - a.lastModified.getTime());
  return byPrescription;
}
