/**
 * Outbox metrics. Backlog, dead letters and ages are read from the database on scrape (shared by
 * all replicas); counters count this process's deliveries.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Queryable } from '../database/database.js';
import { sharedSnapshot } from '../jobs/job-metrics.js';
import type { Logger } from '../logging/logger.js';

export interface ConsumerStats {
  consumer: string;
  /** Events not yet handled by this consumer (waiting, in back-off, or behind an earlier one). */
  pending: number;
  /** Seconds since the oldest pending delivery was created; null when none. */
  oldestPendingAgeS: number | null;
  /** Dead-lettered events awaiting a person. */
  dead: number;
}

export interface OutboxStats {
  /** Committed events not yet handed to consumers (normally near 0). */
  undispatched: number;
  oldestUndispatchedAgeS: number | null;
  consumers: ConsumerStats[];
}

export async function readOutboxStats(q: Queryable, registered: string[]): Promise<OutboxStats> {
  const events = await q.query<{ n: number; oldest: number | null }>(
    `SELECT count(*)::int AS n, EXTRACT(EPOCH FROM now() - min(occurred_at))::float8 AS oldest
     FROM outbox_event WHERE dispatched_at IS NULL`,
  );
  const deliveries = await q.query<{
    consumer: string;
    pending: number;
    dead: number;
    oldest: number | null;
  }>(
    `SELECT consumer,
            count(*) FILTER (WHERE state = 'pending')::int AS pending,
            count(*) FILTER (WHERE state = 'dead')::int AS dead,
            EXTRACT(EPOCH FROM now() - min(created_at) FILTER (WHERE state = 'pending'))::float8 AS oldest
     FROM outbox_delivery WHERE state IN ('pending', 'dead') GROUP BY consumer`,
  );
  const byConsumer = new Map<string, ConsumerStats>(
    registered.map((consumer) => [consumer, { consumer, pending: 0, oldestPendingAgeS: null, dead: 0 }]),
  );
  for (const row of deliveries.rows) {
    byConsumer.set(row.consumer, {
      consumer: row.consumer,
      pending: Number(row.pending),
      dead: Number(row.dead),
      oldestPendingAgeS: row.oldest === null ? null : Math.max(0, Number(row.oldest)),
    });
  }
  const first = events.rows[0];
  return {
    undispatched: Number(first?.n ?? 0),
    oldestUndispatchedAgeS: first?.oldest == null ? null : Math.max(0, Number(first.oldest)),
    consumers: [...byConsumer.values()].sort((a, b) => a.consumer.localeCompare(b.consumer)),
  };
}

export interface OutboxCounters {
  delivered: Counter<'consumer'>;
  failedAttempts: Counter<'consumer'>;
  deadLetters: Counter<'consumer'>;
}

export function registerOutboxMetrics(
  registry: Registry,
  options: { stats: () => Promise<OutboxStats>; log: Logger },
): OutboxCounters {
  const snapshot = sharedSnapshot(options.stats);
  const read = async () => {
    try {
      return await snapshot();
    } catch (error) {
      options.log.warn({ err: error }, 'outbox metrics unavailable');
      return undefined;
    }
  };
  const perConsumer = (name: string, help: string, value: (row: ConsumerStats) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['consumer'],
      registers: [registry],
      async collect() {
        const stats = await read();
        if (!stats) return;
        this.reset();
        for (const row of stats.consumers) this.set({ consumer: row.consumer }, value(row));
      },
    });
  const global = (name: string, help: string, value: (stats: OutboxStats) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const stats = await read();
        if (stats) this.set(value(stats));
      },
    });

  global(
    'pathways_outbox_undispatched_events',
    'Committed events not yet handed to consumers',
    (s) => s.undispatched,
  );
  global(
    'pathways_outbox_oldest_undispatched_age_seconds',
    'Age of the oldest event not yet handed to consumers (0 when none)',
    (s) => s.oldestUndispatchedAgeS ?? 0,
  );
  perConsumer('pathways_outbox_backlog', 'Events not yet handled, by consumer', (row) => row.pending);
  perConsumer(
    'pathways_outbox_oldest_pending_age_seconds',
    'Age of the oldest event not yet handled, by consumer (0 when none)',
    (row) => row.oldestPendingAgeS ?? 0,
  );
  perConsumer(
    'pathways_outbox_dead_letters',
    'Dead-lettered events awaiting a person, by consumer',
    (row) => row.dead,
  );

  const counter = (name: string, help: string) =>
    new Counter({ name, help, labelNames: ['consumer'] as const, registers: [registry] });
  return {
    delivered: counter('pathways_outbox_delivered_total', 'Events handled by a consumer in this process'),
    failedAttempts: counter(
      'pathways_outbox_failed_attempts_total',
      'Failed delivery attempts in this process',
    ),
    deadLetters: counter('pathways_outbox_dead_letter_total', 'Events dead-lettered by this process'),
  };
}
