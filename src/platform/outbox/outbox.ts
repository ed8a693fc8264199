/**
 * The transactional outbox. Domain code calls emit(tx, …) inside its own transaction (events.ts);
 * capabilities register consumers here; the server starts and stops it. Each process runs a
 * dispatcher loop (events → deliveries + jobs), the consumers' workers, and a periodic repair and
 * pruning pass.
 *
 *   const outbox = new Outbox({ db, log, metrics });
 *   outbox.register({ name: 'epms-feed', types: ['prescription-order'], ordered: true, deliver });
 *   await outbox.start();           // after registering
 *   …
 *   await outbox.stop(5000);        // on SIGTERM, before closing the database
 */
import type { Database } from '../database/database.js';
import { JobRunner } from '../jobs/job-runner.js';
import type { Logger } from '../logging/logger.js';
import type { Registry } from '../metrics/metrics.js';
import { type Consumer, DEFAULT_TIMEOUT_MS, isTransactional, queueOf, validateConsumer } from './consumer.js';
import { deliveryHandler } from './delivery.js';
import { findOrphans, hasPendingPredecessor, lockKey, schedule } from './delivery-store.js';
import { dispatchBatch } from './dispatcher.js';
import {
  type OutboxCounters,
  type OutboxStats,
  readOutboxStats,
  registerOutboxMetrics,
} from './outbox-metrics.js';

// One import for capabilities: emit, the event and consumer types, PermanentFailure.
export type { Consumer, ExternalConsumer, TransactionalConsumer } from './consumer.js';
export { PermanentFailure } from './consumer.js';
export { type DomainEvent, emit, type NewEvent } from './events.js';
export type { ConsumerStats, OutboxStats } from './outbox-metrics.js';

export interface OutboxOptions {
  db: Database;
  log: Logger;
  metrics: Registry;
  /** A job runner shared with other capabilities, started and stopped by its owner. Without one
   * the outbox creates its own, starts it in start() and stops it in stop(). */
  jobs?: JobRunner;
  /** Poll interval of the workers of the outbox's own job runner. */
  jobPollIntervalMs?: number;
  /** Run cron in the outbox's own job runner (for `outbox.jobs.schedule`). Default true. */
  cron?: boolean;
  /** How often the dispatcher looks for new events. Default 200 ms. */
  dispatchIntervalMs?: number;
  /** Events claimed per dispatcher transaction. Default 500. */
  batchSize?: number;
  /** How often repair and pruning run. Default 30 s. */
  maintenanceIntervalMs?: number;
  /** Days to keep handled deliveries (receipts) and dispatched events. Defaults 7 and 30. */
  retention?: { deliveriesDays?: number; eventsDays?: number };
}

export class Outbox {
  /** The runner the outbox's consumers work on; other capabilities may queue their own jobs on it. */
  readonly jobs: JobRunner;
  readonly #db: Database;
  readonly #log: Logger;
  readonly #ownsJobs: boolean;
  readonly #counters: OutboxCounters;
  readonly #consumers = new Map<string, Consumer>();
  /** Consumers whose queue exists: the only ones the dispatcher may route to. */
  readonly #routable = new Map<string, Consumer>();
  readonly #options: Required<
    Pick<OutboxOptions, 'dispatchIntervalMs' | 'batchSize' | 'maintenanceIntervalMs'>
  > & {
    deliveriesDays: number;
    eventsDays: number;
  };
  #state: 'new' | 'running' | 'stopped' = 'new';
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #lastMaintenance = 0;

  constructor(options: OutboxOptions) {
    this.#db = options.db;
    this.#log = options.log.child({ component: 'outbox' });
    this.#ownsJobs = !options.jobs;
    this.jobs =
      options.jobs ??
      new JobRunner({
        db: options.db,
        log: options.log,
        metrics: options.metrics,
        ...(options.jobPollIntervalMs ? { pollIntervalMs: options.jobPollIntervalMs } : {}),
        cron: options.cron ?? true,
      });
    this.#options = {
      dispatchIntervalMs: options.dispatchIntervalMs ?? 200,
      batchSize: options.batchSize ?? 500,
      maintenanceIntervalMs: options.maintenanceIntervalMs ?? 30_000,
      deliveriesDays: options.retention?.deliveriesDays ?? 7,
      eventsDays: options.retention?.eventsDays ?? 30,
    };
    this.#counters = registerOutboxMetrics(options.metrics, { stats: () => this.stats(), log: this.#log });
  }

  /**
   * Adds a consumer. Register before start() so it sees every event dispatched from then on: the
   * dispatcher routes each event to the consumers registered in its process at that moment.
   */
  register(consumer: Consumer): void {
    validateConsumer(consumer);
    if (this.#consumers.has(consumer.name))
      throw new Error(`consumer ${consumer.name} is already registered`);
    this.#consumers.set(consumer.name, consumer);
    if (this.#state === 'running') {
      this.#activate(consumer).catch((error: unknown) =>
        this.#log.error({ err: error, consumer: consumer.name }, 'consumer activation failed'),
      );
    }
  }

  async start(): Promise<void> {
    if (this.#state !== 'new') return;
    if (this.#ownsJobs) await this.jobs.start();
    for (const consumer of this.#consumers.values()) await this.#activate(consumer);
    this.#state = 'running';
    this.#loop = this.#dispatchLoop();
  }

  /** Stops dispatching, lets in-flight deliveries finish within `graceMs`, closes consumers. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.#state !== 'running') {
      this.#state = 'stopped';
      return;
    }
    this.#state = 'stopped';
    this.#wake?.();
    await this.#loop;
    await Promise.all(
      [...this.#consumers.keys()].map((name) => this.jobs.stopWorking(queueOf(name), graceMs)),
    );
    for (const consumer of this.#consumers.values()) {
      await consumer
        .close?.()
        .catch((error: unknown) => this.#log.warn({ err: error }, 'consumer close failed'));
    }
    if (this.#ownsJobs) await this.jobs.stop(graceMs);
  }

  /** One dispatcher pass now; returns the number of events claimed. */
  async dispatchNow(): Promise<number> {
    // With a shared runner not started yet there are no queues to put jobs in: wait for it.
    if (!this.jobs.running) return 0;
    const result = await dispatchBatch(
      this.#db,
      this.jobs,
      [...this.#routable.values()],
      this.#options.batchSize,
    );
    for (const queue of result.queues) this.jobs.notify(queue);
    return result.events;
  }

  /** Re-enqueues pending deliveries that may run but have lost their job. Returns how many. */
  async repair(): Promise<number> {
    let repaired = 0;
    for (const consumer of this.#consumers.values()) {
      const orphans = await this.#db.transaction(async (tx) => {
        const found = await findOrphans(tx, this.jobs.schema, consumer.name, consumer.ordered === true, 500);
        await schedule(tx, this.jobs, consumer.name, found);
        return found.length;
      });
      if (orphans > 0) {
        this.#log.warn({ consumer: consumer.name, orphans }, 'deliveries without a job re-enqueued');
        this.jobs.notify(queueOf(consumer.name));
      }
      repaired += orphans;
    }
    return repaired;
  }

  /** Deletes old receipts and old events nobody is still waiting on, a batch at a time. */
  async prune(): Promise<{ deliveries: number; events: number }> {
    const deliveries = await this.#db.query(
      `DELETE FROM outbox_delivery WHERE (consumer, event_id) IN (
         SELECT consumer, event_id FROM outbox_delivery
         WHERE state = 'done' AND finished_at < now() - $1 * interval '1 day' LIMIT 5000)`,
      [this.#options.deliveriesDays],
    );
    const events = await this.#db.query(
      `DELETE FROM outbox_event WHERE id IN (
         SELECT e.id FROM outbox_event e
         WHERE e.dispatched_at IS NOT NULL AND e.occurred_at < now() - $1 * interval '1 day'
           AND NOT EXISTS (SELECT 1 FROM outbox_delivery d WHERE d.event_id = e.id AND d.state <> 'done')
         LIMIT 5000)`,
      [this.#options.eventsDays],
    );
    return { deliveries: deliveries.rowCount, events: events.rowCount };
  }

  /** Puts a dead-lettered event back in its consumer's queue (after a person fixed the cause). */
  async redrive(consumerName: string, eventId: string): Promise<boolean> {
    const consumer = this.#consumers.get(consumerName);
    if (!consumer) throw new Error(`consumer ${consumerName} is not registered`);
    const redriven = await this.#db.transaction(async (tx) => {
      const found = await tx.query<{ key: string }>(
        'SELECT key FROM outbox_delivery WHERE consumer = $1 AND event_id = $2',
        [consumerName, eventId],
      );
      const key = found.rows[0]?.key;
      if (key === undefined) return false;
      if (consumer.ordered) await lockKey(tx, consumerName, key);
      const row = await tx.query<{ key: string; seq: number }>(
        `UPDATE outbox_delivery SET state = 'pending', attempts = 0, last_error = NULL, finished_at = NULL
         WHERE consumer = $1 AND event_id = $2 AND state = 'dead' RETURNING key, seq`,
        [consumerName, eventId],
      );
      const delivery = row.rows[0];
      if (!delivery) return false;
      if (consumer.ordered) {
        // Behind an earlier pending event it waits its turn; that event schedules it.
        if (await hasPendingPredecessor(tx, consumerName, delivery.key, Number(delivery.seq))) return true;
      }
      await schedule(tx, this.jobs, consumerName, [{ eventId, key: delivery.key }]);
      return true;
    });
    if (redriven) this.jobs.notify(queueOf(consumerName));
    return redriven;
  }

  /** Backlog, dead letters and ages per consumer: for /metrics (on scrape), dashboards and tests. */
  stats(): Promise<OutboxStats> {
    return readOutboxStats(this.#db, [...this.#consumers.keys()]);
  }

  /** For /readyz. Empty when fine; a backlog is not a readiness problem (writes still work). */
  readinessProblems(): string[] {
    return [
      ...(this.#state === 'running' ? [] : [`outbox ${this.#state}`]),
      ...this.jobs.readinessProblems(),
    ];
  }

  async #activate(consumer: Consumer): Promise<void> {
    const queue = queueOf(consumer.name);
    const timeoutS = Math.ceil(
      (isTransactional(consumer) ? 60_000 : (consumer.timeoutMs ?? DEFAULT_TIMEOUT_MS)) / 1000,
    );
    // Delivery outcomes are scheduled by delivery.ts; this retry policy only applies when the
    // bookkeeping itself fails (database unreachable), and expiry covers a worker that died.
    await this.jobs.createQueue(queue, { retry: { baseDelayS: 1, maxDelayS: 60 }, expireInS: timeoutS + 60 });
    this.jobs.work(
      queue,
      deliveryHandler(consumer, { db: this.#db, jobs: this.jobs, log: this.#log, counters: this.#counters }),
      {
        concurrency: consumer.concurrency ?? 4,
      },
    );
    this.#routable.set(consumer.name, consumer);
  }

  async #dispatchLoop(): Promise<void> {
    while (this.#state === 'running') {
      let claimed = 0;
      try {
        claimed = await this.dispatchNow();
      } catch (error) {
        this.#log.warn({ err: error }, 'outbox dispatch failed');
      }
      if (Date.now() - this.#lastMaintenance >= this.#options.maintenanceIntervalMs) {
        this.#lastMaintenance = Date.now();
        await this.repair().catch((error: unknown) => this.#log.warn({ err: error }, 'outbox repair failed'));
        await this.prune().catch((error: unknown) => this.#log.warn({ err: error }, 'outbox pruning failed'));
      }
      if (claimed < this.#options.batchSize) await this.#sleep(this.#options.dispatchIntervalMs);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.#wake = done;
    });
  }
}
