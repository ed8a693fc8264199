/**
 * Business events and emit(): the one call a domain write makes to tell other systems what
 * happened. emit() only inserts a row in the caller's transaction, so the event exists exactly when
 * the change does, and nothing downstream (NATS, the claims system) can fail or slow the write.
 */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../database/database.js';

export interface DomainEvent<T = unknown> {
  /** UUID; downstream systems de-duplicate on it (Idempotency-Key, Nats-Msg-Id). */
  id: string;
  /** e.g. `prescription-order`; NATS subject `pathways.events.<type>`. */
  type: string;
  /** The aggregate the event is about (e.g. a prescription short-form id); ordering is per key. */
  key: string;
  /** RFC 3339. */
  occurredAt: string;
  payload: T;
}

export interface NewEvent<T = unknown> {
  type: string;
  key: string;
  payload: T;
  /** Give one to make the emit idempotent (e.g. derived from an inbound message id). */
  id?: string;
  /** Defaults to the transaction's time. */
  occurredAt?: Date | string;
}

/** Dot-separated tokens of letters, digits, `-` and `_`: safe as the tail of a NATS subject. */
const EVENT_TYPE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Advisory lock namespace for "an event of this key is being emitted" (two-int lock key space). */
export const EMIT_LOCK_NAMESPACE = 7_301_003;

export function validateNewEvent(event: NewEvent): void {
  if (!EVENT_TYPE.test(event.type)) throw new Error(`invalid event type "${event.type}"`);
  if (typeof event.key !== 'string' || event.key.length === 0 || event.key.length > 200) {
    throw new Error('event key must be a non-empty string of at most 200 characters');
  }
  if (event.id !== undefined && !UUID.test(event.id)) throw new Error('event id must be a UUID');
  if (event.payload === undefined) throw new Error('event payload is required (use null for none)');
}

interface EventRow {
  id: string;
  type: string;
  key: string;
  occurred_at: Date | string;
  payload: unknown;
}

export function toDomainEvent<T>(row: EventRow): DomainEvent<T> {
  return {
    id: row.id,
    type: row.type,
    key: row.key,
    occurredAt: new Date(row.occurred_at).toISOString(),
    payload: row.payload as T,
  };
}

/**
 * Records `event` in the caller's transaction `tx`. Idempotent by id: emitting an id that exists
 * returns the stored event and adds nothing.
 *
 * It first takes a transaction-scoped lock on the event's key, so two transactions emitting for
 * the same key are serialised until the first commits: the later one then gets the higher seq, and
 * per-key seq order is commit order. (Transactions on one prescription already serialise on its
 * row; a transaction emitting for several keys should emit them in a consistent order.)
 */
export async function emit<T>(tx: Queryable, event: NewEvent<T>): Promise<DomainEvent<T>> {
  validateNewEvent(event);
  const id = event.id ?? randomUUID();
  const occurredAt = event.occurredAt === undefined ? null : new Date(event.occurredAt).toISOString();
  // The payload is not sent back: it can be a whole signed Bundle, and the caller has it.
  const inserted = await tx.query<Omit<EventRow, 'payload'>>(
    `WITH key_lock AS (SELECT pg_advisory_xact_lock($6, hashtext($3)))
     INSERT INTO outbox_event (id, type, key, occurred_at, payload)
     SELECT $1, $2, $3, COALESCE($4::timestamptz, now()), $5::jsonb FROM key_lock
     ON CONFLICT (id) DO NOTHING
     RETURNING id, type, key, occurred_at`,
    [id, event.type, event.key, occurredAt, JSON.stringify(event.payload), EMIT_LOCK_NAMESPACE],
  );
  const fresh = inserted.rows[0];
  if (fresh) return toDomainEvent<T>({ ...fresh, payload: event.payload });
  // An id emitted before: the stored event is the truth (idempotent emit).
  const stored = (
    await tx.query<EventRow>('SELECT id, type, key, occurred_at, payload FROM outbox_event WHERE id = $1', [
      id,
    ])
  ).rows[0];
  if (!stored) throw new Error(`event ${id} was neither inserted nor found`);
  return toDomainEvent<T>(stored);
}
