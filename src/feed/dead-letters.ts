/**
 * The feed's dead letters as operators see them, read from the outbox's delivery records (the
 * outbox keeps them; re-driving goes through `Outbox.redrive`). Ids, type, prescription and the
 * last error only: never the payload, which carries the clinical resource.
 */
import type { Queryable } from '../platform/database/database.js';

export interface DeadLetter {
  eventId: string;
  type: string;
  prescriptionId: string;
  occurredAt: string;
  attempts: number;
  lastError: string | null;
}

/** Oldest first, at most `limit`. */
export async function listDeadLetters(db: Queryable, consumer: string, limit: number): Promise<DeadLetter[]> {
  const result = await db.query<{
    event_id: string;
    type: string;
    key: string;
    occurred_at: Date | string;
    attempts: number;
    last_error: string | null;
  }>(
    `SELECT d.event_id, e.type, e.key, e.occurred_at, d.attempts, d.last_error
     FROM outbox_delivery d JOIN outbox_event e ON e.id = d.event_id
     WHERE d.consumer = $1 AND d.state = 'dead'
     ORDER BY d.finished_at, d.seq LIMIT $2`,
    [consumer, limit],
  );
  return result.rows.map((row) => ({
    eventId: row.event_id,
    type: row.type,
    prescriptionId: row.key,
    occurredAt: new Date(row.occurred_at).toISOString(),
    attempts: Number(row.attempts),
    lastError: row.last_error,
  }));
}

/** The state of one event's feed delivery, and the patient it is about (for the audit record). */
export async function deliveryOf(
  db: Queryable,
  consumer: string,
  eventId: string,
): Promise<{ state: 'pending' | 'done' | 'dead'; patient: string | undefined } | undefined> {
  const result = await db.query<{ state: 'pending' | 'done' | 'dead'; patient: unknown }>(
    `SELECT d.state, e.payload->'patient' AS patient
     FROM outbox_delivery d JOIN outbox_event e ON e.id = d.event_id
     WHERE d.consumer = $1 AND d.event_id = $2`,
    [consumer, eventId],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  return { state: row.state, patient: typeof row.patient === 'string' ? row.patient : undefined };
}
