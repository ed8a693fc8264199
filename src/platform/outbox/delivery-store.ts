/** SQL over outbox_delivery: batch claims, receipts, outcomes. Pure data access, no policy. */
import type { Queryable } from '../database/database.js';
import { type DomainEvent, toDomainEvent } from './events.js';

export interface ClaimedDelivery {
  /** Failed attempts before this one. */
  attempts: number;
  event: DomainEvent;
}

interface ClaimedRow {
  attempts: number;
  id: string;
  type: string;
  key: string;
  occurred_at: Date | string;
  payload: unknown;
}

/**
 * Claims up to `limit` due deliveries of `consumer` in one statement and leases them for
 * `leaseMs`. Rows another claimer holds are skipped, not waited for. For an ordered consumer only
 * the earliest pending delivery of each key is due: a later one waits however often the earlier
 * one fails, until it is done or dead (a leased or locked earlier one is still pending).
 */
export async function claimDue(
  q: Queryable,
  consumer: string,
  options: { limit: number; leaseMs: number; ordered: boolean },
): Promise<ClaimedDelivery[]> {
  const inOrder = options.ordered
    ? `AND NOT EXISTS (SELECT 1 FROM outbox_delivery p
                       WHERE p.consumer = c.consumer AND p.key = c.key AND p.state = 'pending' AND p.seq < c.seq)`
    : '';
  // The due rows are chosen and locked in a materialised CTE: it runs exactly once whatever plan
  // the statement gets. As an IN (subquery) it once ran for minutes under the plan cached on its
  // connection (bench portal suite, WORKERS=1: notifications stalled with 32,500 due, the claim
  // busy on one backend for over a minute, holding ever more row locks) until that connection closed.
  const result = await q.query<ClaimedRow>(
    `WITH due AS MATERIALIZED (
       SELECT c.event_id FROM outbox_delivery c
       WHERE c.consumer = $1 AND c.state = 'pending' AND c.next_attempt_at <= now()
         AND (c.lease_until IS NULL OR c.lease_until < now()) ${inOrder}
       ORDER BY c.next_attempt_at, c.seq LIMIT $2
       FOR UPDATE SKIP LOCKED)
     UPDATE outbox_delivery d SET lease_until = now() + $3::double precision * interval '1 millisecond'
     FROM due, outbox_event e
     WHERE d.consumer = $1 AND d.event_id = due.event_id AND e.id = d.event_id
     RETURNING d.attempts, e.id, e.type, e.key, e.occurred_at, e.payload`,
    [consumer, options.limit, options.leaseMs],
  );
  return result.rows.map((row) => ({ attempts: Number(row.attempts), event: toDomainEvent(row) }));
}

/** Receipts for a batch, in one statement. Returns the ids that were still pending. */
export async function markDone(q: Queryable, consumer: string, eventIds: string[]): Promise<string[]> {
  if (eventIds.length === 0) return [];
  const result = await q.query<{ event_id: string }>(
    `UPDATE outbox_delivery SET state = 'done', finished_at = now(), next_attempt_at = NULL, lease_until = NULL
     WHERE consumer = $1 AND event_id = ANY($2::uuid[]) AND state = 'pending'
     RETURNING event_id`,
    [consumer, eventIds],
  );
  return result.rows.map((row) => row.event_id);
}

export interface FailedAttempt {
  eventId: string;
  error: string;
  /** Dead-lettered (no retry) when undefined. */
  retryInMs: number | undefined;
}

/**
 * A batch's failed attempts, each with its own back-off or dead letter, in one statement.
 *
 * For an ordered consumer the later pending deliveries of a failed one's key cannot run before
 * it does, so the same statement moves them to its retry time. Otherwise each of them stays due,
 * and every claim walks all of them and checks each for an earlier pending one: during an
 * outage of the receiver that walk grows with the backlog and the claims become the database's
 * largest cost (bench cycles suite: draining 4,700 deliveries after an outage at 88/s, 12.6 ms of
 * CPU each). A dead letter moves nothing: the key's next delivery may go at once.
 */
export async function markFailed(
  q: Queryable,
  consumer: string,
  failures: FailedAttempt[],
  options: { ordered: boolean } = { ordered: false },
): Promise<string[]> {
  if (failures.length === 0) return [];
  const failed = `UPDATE outbox_delivery d SET attempts = d.attempts + 1, last_error = f.error, lease_until = NULL,
            state = CASE WHEN f.dead THEN 'dead' ELSE 'pending' END,
            finished_at = CASE WHEN f.dead THEN now() END,
            next_attempt_at = CASE WHEN f.dead THEN NULL
                                   ELSE now() + f.delay_ms * interval '1 millisecond' END
     FROM unnest($2::uuid[], $3::text[], $4::double precision[], $5::boolean[]) AS f(event_id, error, delay_ms, dead)
     WHERE d.consumer = $1 AND d.event_id = f.event_id AND d.state = 'pending'
     RETURNING d.event_id, d.key, d.seq, d.state, d.next_attempt_at`;
  const sql = options.ordered
    ? `WITH failed AS (${failed}),
       deferred AS (
         UPDATE outbox_delivery later SET next_attempt_at = failed.next_attempt_at
         FROM failed
         WHERE failed.state = 'pending' AND later.consumer = $1 AND later.key = failed.key
           AND later.state = 'pending' AND later.seq > failed.seq
           AND later.next_attempt_at < failed.next_attempt_at AND later.event_id <> ALL($2::uuid[]))
       SELECT event_id FROM failed`
    : failed;
  const result = await q.query<{ event_id: string }>(sql, [
    consumer,
    failures.map((f) => f.eventId),
    failures.map((f) => f.error),
    failures.map((f) => f.retryInMs ?? 0),
    failures.map((f) => f.retryInMs === undefined),
  ]);
  return result.rows.map((row) => row.event_id);
}
