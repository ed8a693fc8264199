/**
 * The transactional outbox. Domain code calls emit(tx, …) inside its own transaction (events.ts);
 * capabilities register consumers here; the server starts and stops it. Each process runs a
 * dispatcher loop (events → deliveries), one claim loop per consumer (delivery.ts: batches, no job
 * per delivery) and a periodic pruning pass. `jobs` (pg-boss) stays for scheduled and other jobs.
 *
 *   const outbox = new Outbox({ db, log, metrics });
 *   outbox.register({ name: 'epms-feed', types: ['prescription-order'], ordered: true, deliver });
 *   outbox.resolvePayloads('prescription-order', withSignedBundles); // stored by reference
 *   await outbox.start();           // after registering
 *   …
 *   await outbox.stop(5000);        // on SIGTERM, before closing the database
 */
import type { Database, Queryable } from '../database/database.js';
import { JobRunner } from '../jobs/job-runner.js';
import type { Logger } from '../logging/logger.js';
import type { Registry } from '../metrics/metrics.js';
import { type Consumer, validateConsumer } from './consumer.js';
import { batchLimitOf, deliverBatch } from './delivery.js';
import { dispatchBatch } from './dispatcher.js';
import type { DomainEvent } from './events.js';
import {
  type OutboxCounters,
  type OutboxStats,
  readOutboxStats,
  registerOutboxMetrics,
} from './outbox-metrics.js';
import { PublishedPayloads, type ResolvePayloads } from './published-payloads.js';

// One import for capabilities: emit, the event and consumer types, PermanentFailure.
export type { Consumer, ExternalConsumer, TransactionalConsumer } from './consumer.js';
export { PermanentFailure } from './consumer.js';
export { type DomainEvent, emit, type NewEvent } from './events.js';
export type { ConsumerStats, OutboxStats } from './outbox-metrics.js';
export type { ResolvePayloads } from './published-payloads.js';

export interface OutboxOptions {
  db: Database;
  log: Logger;
  metrics: Registry;
  /** A job runner shared with other capabilities, started and stopped by its owner. Without one
   * the outbox creates its own, starts it in start() and stops it in stop(). */
  jobs?: JobRunner;
  /** Poll interval of the workers of the outbox's own job runner, and of the consumers' claim
   * loops for retries that fall due and deliveries dispatched by another process. Default 200 ms. */
  jobPollIntervalMs?: number;
  /** Run cron in the outbox's own job runner (for `outbox.jobs.schedule`). Default true. */
  cron?: boolean;
  /** How often the dispatcher looks for new events. Default 200 ms. */
  dispatchIntervalMs?: number;
  /** Events claimed per dispatcher transaction. Default 500. */
  batchSize?: number;
  /** How often pruning runs. Default 30 s. */
  maintenanceIntervalMs?: number;
  /** Days to keep handled deliveries (receipts) and dispatched events. Defaults 7 and 30. */
  retention?: { deliveriesDays?: number; eventsDays?: number };
}

/** The channel the outbox_event trigger notifies (migration 0029). */
export const OUTBOX_CHANNEL = 'pathways_outbox';

export class Outbox {
  /** The runner the outbox's consumers work on; other capabilities may queue their own jobs on it. */
  readonly jobs: JobRunner;
  readonly #db: Database;
  readonly #log: Logger;
  readonly #ownsJobs: boolean;
  readonly #counters: OutboxCounters;
  readonly #consumers = new Map<string, Consumer>();
  /** Consumers whose claim loop runs: the only ones the dispatcher may route to. */
  readonly #routable = new Map<string, Consumer>();
  readonly #claimLoops = new Map<string, ClaimLoop>();
  readonly #payloads = new PublishedPayloads();
  readonly #options: Required<
    Pick<OutboxOptions, 'dispatchIntervalMs' | 'batchSize' | 'maintenanceIntervalMs'>
  > & {
    pollIntervalMs: number;
    deliveriesDays: number;
    eventsDays: number;
  };
  #state: 'new' | 'running' | 'stopped' = 'new';
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  /** Events committed while the dispatcher was busy: it runs again at once instead of sleeping. */
  #notified = false;
  #listening: { close(): Promise<void> } | undefined;
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
      pollIntervalMs: options.jobPollIntervalMs ?? 200,
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

  /**
   * For an event type whose rows leave out a resource stored elsewhere in the same transaction:
   * how its payload as published is read back, per delivery batch (published-payloads.ts).
   */
  resolvePayloads(type: string, resolve: ResolvePayloads): void {
    this.#payloads.register(type, resolve);
  }

  /** `events` (as stored) as consumers and NATS receive them. */
  published(q: Queryable, events: readonly DomainEvent[]): Promise<DomainEvent[]> {
    return this.#payloads.published(q, events);
  }

  async start(): Promise<void> {
    if (this.#state !== 'new') return;
    if (this.#ownsJobs) await this.jobs.start();
    for (const consumer of this.#consumers.values()) await this.#activate(consumer);
    this.#state = 'running';
    // The first pruning waits one interval: a restart (or several replicas starting together) does
    // not begin with a large DELETE, and a caller's own prune() right after start is not raced.
    this.#lastMaintenance = Date.now();
    // Woken by the commit of an event (the trigger of migration 0029) rather than the next poll.
    this.#listening = this.#db.listen?.(OUTBOX_CHANNEL, () => {
      this.#notified = true;
      this.#wake?.();
    });
    this.#loop = this.#dispatchLoop();
  }

  /** Stops dispatching, lets in-flight deliveries finish within `graceMs`, closes consumers. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.#state !== 'running') {
      this.#state = 'stopped';
      return;
    }
    this.#state = 'stopped';
    await this.#listening?.close();
    this.#wake?.();
    await this.#loop;
    // Each loop finishes its batch in flight (recording the outcomes) and then ends.
    const loops = [...this.#claimLoops.values()];
    for (const loop of loops) loop.wake();
    await Promise.race([
      Promise.all(loops.map((loop) => loop.done)),
      new Promise((resolve) => setTimeout(resolve, graceMs).unref()),
    ]);
    for (const consumer of this.#consumers.values()) {
      await consumer
        .close?.()
        .catch((error: unknown) => this.#log.warn({ err: error }, 'consumer close failed'));
    }
    if (this.#ownsJobs) await this.jobs.stop(graceMs);
  }

  /** One dispatcher pass now; returns the number of events claimed. */
  async dispatchNow(): Promise<number> {
    const result = await dispatchBatch(this.#db, [...this.#routable.values()], this.#options.batchSize);
    for (const name of result.consumers) this.#claimLoops.get(name)?.wake();
    return result.events;
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
    if (!this.#consumers.has(consumerName)) throw new Error(`consumer ${consumerName} is not registered`);
    // Due at once; for an ordered consumer the claim still waits for any earlier pending event.
    const row = await this.#db.query(
      `UPDATE outbox_delivery SET state = 'pending', attempts = 0, last_error = NULL, finished_at = NULL,
              next_attempt_at = now(), lease_until = NULL
       WHERE consumer = $1 AND event_id = $2 AND state = 'dead'`,
      [consumerName, eventId],
    );
    const redriven = row.rowCount > 0;
    if (redriven) this.#claimLoops.get(consumerName)?.wake();
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
    const loop = new ClaimLoop(() => this.#state !== 'stopped', this.#options.pollIntervalMs);
    this.#claimLoops.set(consumer.name, loop);
    const deps = { db: this.#db, log: this.#log, counters: this.#counters, payloads: this.#payloads };
    const limit = batchLimitOf(consumer);
    loop.run(async () => {
      try {
        return (await deliverBatch(consumer, deps)) >= limit;
      } catch (error) {
        this.#log.warn({ err: error, consumer: consumer.name }, 'outbox delivery batch failed');
        return false;
      }
    });
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
        await this.prune().catch((error: unknown) => this.#log.warn({ err: error }, 'outbox pruning failed'));
      }
      if (claimed < this.#options.batchSize) await this.#sleep(this.#options.dispatchIntervalMs);
    }
  }

  #sleep(ms: number): Promise<void> {
    if (this.#notified) {
      this.#notified = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        this.#notified = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.#wake = done;
    });
  }
}

/** Runs a consumer's batches back to back while there is more, else after a poll or a wake-up. */
class ClaimLoop {
  done: Promise<void> = Promise.resolve();
  #wake: (() => void) | undefined;
  #woken = false;

  constructor(
    private readonly running: () => boolean,
    private readonly pollIntervalMs: number,
  ) {}

  run(batch: () => Promise<boolean>): void {
    this.done = (async () => {
      while (this.running()) {
        this.#woken = false;
        const more = await batch();
        if (!more && !this.#woken && this.running()) await this.#sleep();
      }
    })();
  }

  wake(): void {
    this.#woken = true;
    this.#wake?.();
  }

  #sleep(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.pollIntervalMs);
      timer.unref();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = undefined;
        done();
      };
    });
  }
}
