/**
 * The `hl7_message` table: every message as received, keyed by MSH-3 + MSH-4 + MSH-10, with its
 * outcome and the ACK we sent. Claiming a key inside the applying transaction is what makes a
 * resend harmless: on PostgreSQL a second connection sending the same message waits on the unique
 * key until the first commits, then finds it applied.
 */
import type { Queryable } from '../../platform/database/database.js';
import type { ErrorLocation } from '../message/hl7-error.js';
import { hl7Instant } from '../message/hl7-time.js';
import type { MessageHeader } from '../message/parse.js';

export type MessageStatus = 'received' | 'applied' | 'failed' | 'rejected';

export interface Claim {
  id: string;
  /** The message was applied before: its stored ACK is the answer. */
  duplicateAck?: string;
}

/**
 * Records the message (or a new attempt of one not applied) and returns its id; a message already
 * applied is not touched and its ACK is returned instead.
 */
export async function claimMessage(tx: Queryable, header: MessageHeader, raw: string): Promise<Claim> {
  const inserted = await tx.query<{ id: string }>(
    `INSERT INTO hl7_message (sending_application, sending_facility, control_id, message_type, trigger_event,
       message_time, raw, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'received')
     ON CONFLICT (sending_application, sending_facility, control_id) DO UPDATE
       SET raw = EXCLUDED.raw, received_at = now(), attempts = hl7_message.attempts + 1, status = 'received'
       WHERE hl7_message.status <> 'applied'
     RETURNING id::text AS id`,
    [
      header.sendingApplication,
      header.sendingFacility,
      header.controlId,
      header.messageType,
      header.triggerEvent,
      hl7Instant(header.dateTime) ?? null,
      raw,
    ],
  );
  const row = inserted.rows[0];
  if (row) return { id: row.id };
  const existing = await tx.query<{ id: string; ack: string | null }>(
    `SELECT id::text AS id, ack FROM hl7_message
     WHERE sending_application = $1 AND sending_facility = $2 AND control_id = $3`,
    [header.sendingApplication, header.sendingFacility, header.controlId],
  );
  const found = existing.rows[0]!;
  return { id: found.id, duplicateAck: found.ack ?? '' };
}

/**
 * The message applied: its ACK and the resources it touched, and (in the same statement) when the
 * hospital changed each of them (`sources`, `Type/id` → event time) for the stale check.
 */
export async function markApplied(
  tx: Queryable,
  id: string,
  ack: string,
  resources: string[],
  sources: ReadonlyMap<string, string> = new Map(),
): Promise<void> {
  const references = [...sources.keys()];
  await tx.query(
    `WITH changed AS (
       INSERT INTO hl7_resource_source (resource_type, id, source_time, message_id)
       SELECT split_part(c.ref, '/', 1), split_part(c.ref, '/', 2), c.at, $1::bigint
       FROM unnest($4::text[], $5::timestamptz[]) AS c(ref, at)
       ON CONFLICT (resource_type, id) DO UPDATE
         SET source_time = GREATEST(hl7_resource_source.source_time, EXCLUDED.source_time),
             message_id = EXCLUDED.message_id
     )
     UPDATE hl7_message SET status = 'applied', ack = $2, error = NULL, error_location = NULL,
       applied_at = now(), resources = $3::jsonb WHERE id = $1`,
    [id, ack, JSON.stringify(resources), references, references.map((ref) => sources.get(ref))],
  );
}

/** Failed (dead letter) or rejected: keeps the raw message, the error and the ACK we sent. */
export async function recordUnapplied(
  db: Queryable,
  header: MessageHeader,
  raw: string,
  outcome: { status: 'failed' | 'rejected'; ack: string; error: string; location?: ErrorLocation },
): Promise<void> {
  const location = outcome.location
    ? [outcome.location.segment, outcome.location.field].filter((p) => p !== undefined).join('-')
    : null;
  await db.query(
    `INSERT INTO hl7_message (sending_application, sending_facility, control_id, message_type, trigger_event,
       message_time, raw, status, ack, error, error_location)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (sending_application, sending_facility, control_id) DO UPDATE
       SET raw = EXCLUDED.raw, status = EXCLUDED.status, ack = EXCLUDED.ack, error = EXCLUDED.error,
           error_location = EXCLUDED.error_location, attempts = hl7_message.attempts + 1
       WHERE hl7_message.status <> 'applied'`,
    [
      header.sendingApplication,
      header.sendingFacility,
      header.controlId,
      header.messageType,
      header.triggerEvent,
      hl7Instant(header.dateTime) ?? null,
      raw,
      outcome.status,
      outcome.ack,
      outcome.error,
      location,
    ],
  );
}
