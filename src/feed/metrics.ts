/**
 * Feed metrics (docs/api.md §8). The backlog, its oldest age and the dead letters are read from
 * the outbox on scrape, so every replica reports the same shared numbers; the counters count what
 * this process did.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../platform/logging/logger.js';
import type { ConsumerStats } from '../platform/outbox/outbox.js';

export type FailureReason =
  | 'timeout'
  | 'refused'
  | 'network'
  | 'http_5xx'
  | 'http_429'
  | 'http_4xx'
  | 'http_other';

export interface FeedMetrics {
  delivered: Counter;
  deadLetters: Counter;
  failedAttempts: Counter<'reason'>;
}

export function registerFeedMetrics(
  registry: Registry,
  options: { stats: () => Promise<ConsumerStats | undefined>; log: Logger },
): FeedMetrics {
  // One read per scrape for the three gauges.
  let pending: { at: number; value: Promise<ConsumerStats | undefined> } | undefined;
  const read = async () => {
    if (!pending || Date.now() - pending.at > 200) pending = { at: Date.now(), value: options.stats() };
    try {
      return { row: await pending.value };
    } catch (error) {
      pending = undefined;
      options.log.warn({ err: error }, 'feed metrics unavailable');
      return undefined;
    }
  };
  const gauge = (name: string, help: string, value: (row: ConsumerStats | undefined) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const stats = await read();
        if (stats) this.set(value(stats.row));
      },
    });
  gauge('pathways_feed_backlog', 'Events not yet delivered to the ePMS', (row) => row?.pending ?? 0);
  gauge(
    'pathways_feed_oldest_pending_age_seconds',
    'Age of the oldest event not yet delivered to the ePMS (0 when none)',
    (row) => row?.oldestPendingAgeS ?? 0,
  );
  gauge(
    'pathways_feed_dead_letters',
    'Feed events dead-lettered and awaiting a person',
    (row) => row?.dead ?? 0,
  );
  return {
    delivered: new Counter({
      name: 'pathways_feed_delivered_total',
      help: 'Events the ePMS accepted (2xx), from this process',
      registers: [registry],
    }),
    deadLetters: new Counter({
      name: 'pathways_feed_dead_letter_total',
      help: 'Feed events dead-lettered by this process (refused with a 4xx, or unsendable)',
      registers: [registry],
    }),
    failedAttempts: new Counter({
      name: 'pathways_feed_failed_attempts_total',
      help: 'Failed delivery attempts to the ePMS by reason, from this process',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
  };
}
