/**
 * Moves committed events to their consumers: one delivery row per (consumer, event), and a job for
 * each delivery that may run now. Events are claimed by an "undispatched" flag, not a position, so
 * an event that commits late with a lower seq is found like any other.
 */
import type { Database, Queryable } from '../database/database.js';
import type { JobRunner } from '../jobs/job-runner.js';
import { type Consumer, queueOf, wants } from './consumer.js';
import { type DeliveryJobData, lockKeys, schedule } from './delivery-store.js';

/** One dispatcher at a time across all replicas: it keeps per-key order decisions simple. */
const DISPATCH_LOCK = [7_301_005, 0] as const;

interface ClaimedEvent {
  id: string;
  seq: number;
  type: string;
  key: string;
}

export interface DispatchResult {
  /** Events claimed in this pass (0 when none waited, or another replica was dispatching). */
  events: number;
  /** Queues that received jobs, to wake their local workers after commit. */
  queues: string[];
}

export async function dispatchBatch(
  db: Database,
  jobs: JobRunner,
  consumers: Consumer[],
  batchSize: number,
): Promise<DispatchResult> {
  return db.transaction(async (tx) => {
    const lock = await tx.query<{ got: boolean }>('SELECT pg_try_advisory_xact_lock($1, $2) AS got', [
      ...DISPATCH_LOCK,
    ]);
    if (!lock.rows[0]?.got) return { events: 0, queues: [] };
    const claimed = await tx.query<ClaimedEvent>(
      `UPDATE outbox_event SET dispatched_at = now()
       WHERE seq IN (SELECT seq FROM outbox_event WHERE dispatched_at IS NULL ORDER BY seq LIMIT $1)
       RETURNING id, seq, type, key`,
      [batchSize],
    );
    const events = claimed.rows
      .map((row) => ({ ...row, seq: Number(row.seq) }))
      .sort((a, b) => a.seq - b.seq);
    const queues: string[] = [];
    for (const consumer of consumers) {
      const mine = events.filter((event) => wants(consumer, event.type));
      if (mine.length === 0) continue;
      const inserted = await insertDeliveries(tx, consumer.name, mine);
      const runnable = consumer.ordered ? await firstOfTheirKeys(tx, consumer.name, inserted) : inserted;
      await schedule(tx, jobs, consumer.name, runnable);
      if (runnable.length > 0) queues.push(queueOf(consumer.name));
    }
    return { events: events.length, queues };
  });
}

async function insertDeliveries(
  tx: Queryable,
  consumer: string,
  events: ClaimedEvent[],
): Promise<DeliveryJobData[]> {
  const result = await tx.query<{ event_id: string; key: string }>(
    `INSERT INTO outbox_delivery (consumer, event_id, seq, key)
     SELECT $1::text, * FROM unnest($2::uuid[], $3::bigint[], $4::text[])
     ON CONFLICT DO NOTHING
     RETURNING event_id, key`,
    [consumer, events.map((e) => e.id), events.map((e) => e.seq), events.map((e) => e.key)],
  );
  return result.rows.map((row) => ({ eventId: row.event_id, key: row.key }));
}

/**
 * Of the new deliveries, those that are now the earliest pending one of their key. A new delivery
 * behind an earlier pending one gets no job: the earlier one schedules it when it finishes.
 */
async function firstOfTheirKeys(
  tx: Queryable,
  consumer: string,
  inserted: DeliveryJobData[],
): Promise<DeliveryJobData[]> {
  if (inserted.length === 0) return [];
  const keys = [...new Set(inserted.map((d) => d.key))];
  await lockKeys(tx, consumer, keys);
  const heads = await tx.query<{ event_id: string }>(
    `SELECT DISTINCT ON (key) event_id FROM outbox_delivery
     WHERE consumer = $1 AND key = ANY($2::text[]) AND state = 'pending'
     ORDER BY key, seq`,
    [consumer, keys],
  );
  const headIds = new Set(heads.rows.map((row) => row.event_id));
  return inserted.filter((d) => headIds.has(d.eventId));
}
