/**
 * Moves committed events to their consumers: one delivery row per (consumer, event), due now; the
 * consumers claim them in batches (delivery.ts). Events are claimed by an "undispatched" flag, not a position, so
 * an event that commits late with a lower seq is found like any other.
 */
import type { Database } from '../database/database.js';
import { type Consumer, wants } from './consumer.js';

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
  /** Consumers that received deliveries, to wake after commit. */
  consumers: string[];
}

export async function dispatchBatch(
  db: Database,
  consumers: Consumer[],
  batchSize: number,
): Promise<DispatchResult> {
  return db.transaction(async (tx) => {
    const lock = await tx.query<{ got: boolean }>('SELECT pg_try_advisory_xact_lock($1, $2) AS got', [
      ...DISPATCH_LOCK,
    ]);
    if (!lock.rows[0]?.got) return { events: 0, consumers: [] };
    const claimed = await tx.query<ClaimedEvent>(
      `UPDATE outbox_event SET dispatched_at = now()
       WHERE seq IN (SELECT seq FROM outbox_event WHERE dispatched_at IS NULL ORDER BY seq LIMIT $1)
       RETURNING id, seq, type, key`,
      [batchSize],
    );
    const events = claimed.rows;
    const receivers: string[] = [];
    for (const consumer of consumers) {
      const mine = events.filter((event) => wants(consumer, event.type));
      if (mine.length === 0) continue;
      // Due at once, or for an ordered consumer not before the retry of an earlier pending delivery
      // of its key (markFailed moves those already queued the same way); the claim still checks.
      const due = consumer.ordered
        ? `GREATEST(now(), (SELECT max(p.next_attempt_at) FROM outbox_delivery p
                           WHERE p.consumer = $1 AND p.key = u.key AND p.state = 'pending'))`
        : 'now()';
      await tx.query(
        `INSERT INTO outbox_delivery (consumer, event_id, seq, key, next_attempt_at)
         SELECT $1::text, u.event_id, u.seq, u.key, ${due}
         FROM unnest($2::uuid[], $3::bigint[], $4::text[]) AS u(event_id, seq, key)
         ON CONFLICT DO NOTHING`,
        [consumer.name, mine.map((e) => e.id), mine.map((e) => e.seq), mine.map((e) => e.key)],
      );
      receivers.push(consumer.name);
    }
    return { events: events.length, consumers: receivers };
  });
}
