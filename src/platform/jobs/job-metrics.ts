/**
 * Job queue metrics. Depth and oldest age are read from the database when Prometheus scrapes (so
 * every replica reports the shared queues, not only its own work); counters count this process's
 * outcomes.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../logging/logger.js';

export interface QueueStats {
  queue: string;
  /** Jobs waiting to run: new, or scheduled for a retry. */
  waiting: number;
  /** Jobs being run now. */
  active: number;
  /** Seconds since the oldest waiting job was created; null when none waits. */
  oldestWaitingAgeS: number | null;
}

export interface JobMetrics {
  completed: Counter<'queue'>;
  retried: Counter<'queue'>;
  failed: Counter<'queue'>;
}

/**
 * Runs `load` at most once per `ttlMs`, so the gauges filled from one query on a scrape share it,
 * and a scrape storm does not become a query storm.
 */
export function sharedSnapshot<T>(load: () => Promise<T>, ttlMs = 1000): () => Promise<T> {
  let cached: { at: number; value: Promise<T> } | undefined;
  return () => {
    const now = Date.now();
    if (!cached || now - cached.at > ttlMs) {
      const value = load();
      cached = { at: now, value };
      // A failed load is not kept: the next scrape tries again.
      value.catch(() => {
        if (cached?.value === value) cached = undefined;
      });
    }
    return cached.value;
  };
}

export function registerJobMetrics(
  registry: Registry,
  options: { stats: () => Promise<QueueStats[]>; knownQueues: () => string[]; log: Logger },
): JobMetrics {
  const snapshot = sharedSnapshot(options.stats);
  const read = async (): Promise<QueueStats[] | undefined> => {
    try {
      return await snapshot();
    } catch (error) {
      // A scrape must still answer while the database is away; these gauges keep their last values.
      options.log.warn({ err: error }, 'job queue metrics unavailable');
      return undefined;
    }
  };
  const byQueue = (stats: QueueStats[]) => {
    const known = new Map<string, QueueStats>(
      options
        .knownQueues()
        .map((queue) => [queue, { queue, waiting: 0, active: 0, oldestWaitingAgeS: null }]),
    );
    for (const row of stats) known.set(row.queue, row);
    return [...known.values()];
  };

  new Gauge({
    name: 'pathways_job_queue_depth',
    help: 'Jobs waiting to run (new or scheduled for retry), by queue',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      const stats = await read();
      if (!stats) return;
      this.reset();
      for (const row of byQueue(stats)) this.set({ queue: row.queue }, row.waiting);
    },
  });
  new Gauge({
    name: 'pathways_job_queue_oldest_age_seconds',
    help: 'Age of the oldest waiting job, by queue (0 when none waits)',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      const stats = await read();
      if (!stats) return;
      this.reset();
      for (const row of byQueue(stats)) this.set({ queue: row.queue }, row.oldestWaitingAgeS ?? 0);
    },
  });

  return {
    completed: new Counter({
      name: 'pathways_jobs_completed_total',
      help: 'Jobs completed by this process, by queue',
      labelNames: ['queue'],
      registers: [registry],
    }),
    retried: new Counter({
      name: 'pathways_jobs_retried_total',
      help: 'Job attempts that failed and were scheduled to run again, by queue',
      labelNames: ['queue'],
      registers: [registry],
    }),
    failed: new Counter({
      name: 'pathways_jobs_failed_total',
      help: 'Jobs that failed for good (permanent error or retries exhausted), by queue',
      labelNames: ['queue'],
      registers: [registry],
    }),
  };
}
