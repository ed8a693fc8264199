/** SQL over outbox_delivery: receipts, per-key order, scheduling. Pure data access, no policy. */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../database/database.js';
import type { JobRunner } from '../jobs/job-runner.js';
import { queueOf } from './consumer.js';
import { type DomainEvent, toDomainEvent } from './events.js';

/** Advisory lock namespace for "(consumer, key) is changing hands" (two-int lock key space). */
const ORDER_LOCK_NAMESPACE = 7_301_004;

export interface DeliveryJobData {
  eventId: string;
  key: string;
}

export interface Delivery {
  state: 'pending' | 'done' | 'dead';
  seq: number;
  attempts: number;
  jobId: string | null;
  event: DomainEvent;
}

interface DeliveryRow {
  state: Delivery['state'];
  seq: number;
  attempts: number;
  job_id: string | null;
  id: string;
  type: string;
  key: string;
  occurred_at: Date | string;
  payload: unknown;
}

export async function loadDelivery(
  q: Queryable,
  consumer: string,
  eventId: string,
  options: { lock: boolean },
): Promise<Delivery | undefined> {
  const result = await q.query<DeliveryRow>(
    `SELECT d.state, d.seq, d.attempts, d.job_id, e.id, e.type, e.key, e.occurred_at, e.payload
     FROM outbox_delivery d JOIN outbox_event e ON e.id = d.event_id
     WHERE d.consumer = $1 AND d.event_id = $2 ${options.lock ? 'FOR UPDATE OF d' : ''}`,
    [consumer, eventId],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  return {
    state: row.state,
    seq: Number(row.seq),
    attempts: Number(row.attempts),
    jobId: row.job_id,
    event: toDomainEvent(row),
  };
}

/**
 * Serialises, per consumer and key, "a delivery finishes and wakes the next" against "the
 * dispatcher adds a delivery and decides whether it is first": without it the dispatcher could see
 * the earlier delivery still pending while the finisher cannot yet see the new one, and neither
 * would schedule it.
 */
export async function lockKey(q: Queryable, consumer: string, key: string): Promise<void> {
  await q.query(`SELECT pg_advisory_xact_lock($1, hashtext($2 || E'\\n' || $3))`, [
    ORDER_LOCK_NAMESPACE,
    consumer,
    key,
  ]);
}

export async function lockKeys(q: Queryable, consumer: string, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await q.query(
    `SELECT pg_advisory_xact_lock($1, hashtext($2 || E'\\n' || k)) FROM (SELECT DISTINCT unnest($3::text[]) AS k ORDER BY 1) keys`,
    [ORDER_LOCK_NAMESPACE, consumer, keys],
  );
}

export async function hasPendingPredecessor(q: Queryable, consumer: string, key: string, seq: number) {
  const result = await q.query<{ waiting: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM outbox_delivery
                    WHERE consumer = $1 AND key = $2 AND state = 'pending' AND seq < $3) AS waiting`,
    [consumer, key, seq],
  );
  return result.rows[0]?.waiting === true;
}

export async function markDone(q: Queryable, consumer: string, eventId: string): Promise<boolean> {
  const result = await q.query(
    `UPDATE outbox_delivery SET state = 'done', finished_at = now(), next_attempt_at = NULL
     WHERE consumer = $1 AND event_id = $2 AND state = 'pending'`,
    [consumer, eventId],
  );
  return result.rowCount > 0;
}

export async function markRetry(
  q: Queryable,
  consumer: string,
  eventId: string,
  error: string,
  delayMs: number,
) {
  await q.query(
    `UPDATE outbox_delivery SET attempts = attempts + 1, last_error = $3,
            next_attempt_at = now() + $4::double precision * interval '1 millisecond'
     WHERE consumer = $1 AND event_id = $2 AND state = 'pending'`,
    [consumer, eventId, error, delayMs],
  );
}

export async function markDead(q: Queryable, consumer: string, eventId: string, error: string) {
  await q.query(
    `UPDATE outbox_delivery SET attempts = attempts + 1, last_error = $3, state = 'dead',
            finished_at = now(), next_attempt_at = NULL
     WHERE consumer = $1 AND event_id = $2 AND state = 'pending'`,
    [consumer, eventId, error],
  );
}

/** The earliest pending delivery of (consumer, key): the only one an ordered consumer may work on. */
export async function headOf(q: Queryable, consumer: string, key: string): Promise<string | undefined> {
  const result = await q.query<{ event_id: string }>(
    `SELECT event_id FROM outbox_delivery WHERE consumer = $1 AND key = $2 AND state = 'pending'
     ORDER BY seq LIMIT 1`,
    [consumer, key],
  );
  return result.rows[0]?.event_id;
}

/**
 * Gives each delivery a new job, due now, in the caller's transaction. The new job id replaces
 * the delivery's job_id, so any older job still around for it becomes a no-op.
 */
export async function schedule(
  q: Queryable,
  jobs: JobRunner,
  consumer: string,
  deliveries: DeliveryJobData[],
): Promise<void> {
  if (deliveries.length === 0) return;
  const jobIds = deliveries.map(() => randomUUID());
  await q.query(
    `UPDATE outbox_delivery d SET job_id = s.job_id, next_attempt_at = now()
     FROM unnest($2::uuid[], $3::uuid[]) AS s(event_id, job_id)
     WHERE d.consumer = $1 AND d.event_id = s.event_id`,
    [consumer, deliveries.map((d) => d.eventId), jobIds],
  );
  await jobs.sendMany(
    deliveries.map((data, index) => ({ queue: queueOf(consumer), data, id: jobIds[index] })),
    { tx: q },
  );
}

/**
 * Pending deliveries that may run now but have no live job: the first pending one of each key for
 * an ordered consumer, any pending one otherwise. Normally none; this is the safety net for a job
 * lost to pg-boss retention or an unforeseen race.
 */
export async function findOrphans(
  q: Queryable,
  jobsSchema: string,
  consumer: string,
  ordered: boolean,
  limit: number,
): Promise<DeliveryJobData[]> {
  const candidates = ordered
    ? `SELECT DISTINCT ON (key) event_id, key, job_id FROM outbox_delivery
       WHERE consumer = $1 AND state = 'pending' ORDER BY key, seq`
    : `SELECT event_id, key, job_id FROM outbox_delivery WHERE consumer = $1 AND state = 'pending'`;
  const result = await q.query<{ event_id: string; key: string }>(
    `SELECT c.event_id, c.key FROM (${candidates}) c
     WHERE c.job_id IS NULL OR NOT EXISTS (
       SELECT 1 FROM ${jobsSchema}.job j WHERE j.name = $2 AND j.id = c.job_id AND j.state < 'completed')
     LIMIT $3`,
    [consumer, queueOf(consumer), limit],
  );
  return result.rows.map((row) => ({ eventId: row.event_id, key: row.key }));
}
