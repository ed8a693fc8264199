/**
 * Background jobs on pg-boss 10, on both databases (PGlite through pg-boss's `db.executeSql`
 * option). pg-boss does the storage, SKIP LOCKED claiming, delayed starts, expiry of jobs whose
 * worker died, dead-letter queues, archiving and cron. This runner adds what the product needs on
 * top: capped jittered back-off (backoff.ts), a fast fetch loop with graceful stop (worker.ts),
 * jobs sent and settled inside the caller's transaction, and queue metrics.
 */
import PgBoss from 'pg-boss';
import type { Database, Queryable } from '../database/database.js';
import { LOCKS } from '../database/locks.js';
import type { Logger } from '../logging/logger.js';
import type { Registry } from '../metrics/metrics.js';
import { assertPolicy, DEFAULT_RETRY_POLICY, mayRetry, type RetryPolicy, retryDelayMs } from './backoff.js';
import { isPermanent, Job, type RawJob } from './job.js';
import { type JobMetrics, type QueueStats, registerJobMetrics } from './job-metrics.js';
import { databaseExecutor, type SqlExecutor, transactionExecutor } from './sql-executor.js';
import { QueueWorker } from './worker.js';

export interface JobRunnerOptions {
  db: Database;
  log: Logger;
  metrics: Registry;
  /** How often an idle worker looks for jobs; notify() and sends from this process wake it sooner. */
  pollIntervalMs?: number;
  /** Run pg-boss's cron scheduler, for schedule(). */
  cron?: boolean;
  /** Seconds between pg-boss maintenance runs (expiring jobs of dead workers, archiving). */
  maintenanceIntervalS?: number;
  schema?: string;
}

export interface QueueOptions {
  retry?: RetryPolicy;
  /** A job still running after this long is taken to be lost (worker died) and run again. */
  expireInS?: number;
  /** Queue that receives a copy of each job that fails for good. */
  deadLetter?: string;
}

export interface WorkOptions {
  /** Jobs of this queue run at once in this process. */
  concurrency?: number;
}

export interface SendOptions {
  /** Send inside this transaction: the job exists only if the transaction commits. */
  tx?: Queryable;
  startAfterMs?: number;
  id?: string;
  singletonKey?: string;
}

export type JobHandler<T> = (job: Job<T>) => Promise<void>;

/** pg-boss counts retries in an int column; "forever" is its largest value. */
const FOREVER = 2_147_483_647;

export class JobRunner {
  readonly #db: Database;
  readonly #log: Logger;
  readonly #pollIntervalMs: number;
  readonly #schema: string;
  readonly #boss: PgBoss;
  readonly #metrics: JobMetrics;
  readonly #queues = new Map<string, QueueOptions>();
  readonly #workers = new Map<string, QueueWorker<RawJob<unknown>>>();
  readonly #handlers = new Map<string, { handler: JobHandler<unknown>; options: WorkOptions }>();
  readonly #schedules: Array<{ queue: string; cron: string; data: object }> = [];
  #state: 'new' | 'starting' | 'running' | 'stopped' = 'new';

  constructor(options: JobRunnerOptions) {
    this.#db = options.db;
    this.#log = options.log.child({ component: 'jobs' });
    this.#pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.#schema = options.schema ?? 'pgboss';
    this.#boss = new PgBoss({
      db: databaseExecutor(options.db) as PgBoss.Db,
      schema: this.#schema,
      schedule: options.cron ?? true,
      supervise: true,
      maintenanceIntervalSeconds: options.maintenanceIntervalS ?? 60,
      migrate: true,
    });
    this.#boss.on('error', (error) => this.#log.warn({ err: error }, 'pg-boss error'));
    this.#metrics = registerJobMetrics(options.metrics, {
      stats: () => this.stats(),
      knownQueues: () => [...this.#queues.keys()],
      log: this.#log,
    });
  }

  /** The database schema of pg-boss's tables. */
  get schema(): string {
    return this.#schema;
  }

  get running(): boolean {
    return this.#state === 'running';
  }

  /** Installs or upgrades pg-boss's schema, creates the declared queues, starts the workers. */
  async start(): Promise<void> {
    if (this.#state !== 'new') return;
    this.#state = 'starting';
    // One replica at a time: pg-boss's schema install and queue creation (partitions, foreign keys)
    // are not safe to run concurrently, and replicas of a Deployment start together.
    await this.#db.exclusive(LOCKS.startup, async () => {
      await this.#boss.start();
      for (const [name, options] of this.#queues) await this.#applyQueue(name, options);
      for (const { queue, cron, data } of this.#schedules) await this.#boss.schedule(queue, cron, data);
    });
    // Running (so queues declared from now on are created at once) only when the declared ones exist.
    this.#state = 'running';
    for (const queue of this.#handlers.keys()) this.#startWorker(queue);
  }

  /** Stops every worker (waiting up to `graceMs` for jobs in flight), then pg-boss. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.#state !== 'running') {
      this.#state = 'stopped';
      return;
    }
    this.#state = 'stopped';
    await Promise.all([...this.#workers.keys()].map((queue) => this.stopWorking(queue, graceMs)));
    await this.#boss.stop({ graceful: false, close: false, wait: true });
  }

  /** What /readyz should report about jobs (empty when fine). */
  readinessProblems(): string[] {
    return this.#state === 'running' ? [] : [`job runner ${this.#state}`];
  }

  /** Declares a queue (idempotent; later options replace earlier ones). Works before start(). */
  async createQueue(name: string, options: QueueOptions = {}): Promise<void> {
    if (options.retry) assertPolicy(options.retry);
    this.#queues.set(name, options);
    if (this.#state === 'running') {
      await this.#db.exclusive(LOCKS.startup, () => this.#applyQueue(name, options));
    }
  }

  async #applyQueue(name: string, options: QueueOptions): Promise<void> {
    const retry = options.retry ?? DEFAULT_RETRY_POLICY;
    const settings: PgBoss.Queue = {
      name,
      // Ordinary retries are scheduled by this runner; pg-boss's own back-off only applies when a
      // job expires because its worker died.
      retryLimit: retry.limit ?? FOREVER,
      retryDelay: Math.max(1, Math.round(retry.baseDelayS)),
      retryBackoff: true,
      ...(options.expireInS ? { expireInSeconds: options.expireInS } : {}),
      ...(options.deadLetter ? { deadLetter: options.deadLetter } : {}),
    };
    if (options.deadLetter && !(await this.#boss.getQueue(options.deadLetter))) {
      await this.#boss.createQueue(options.deadLetter);
    }
    await this.#boss.createQueue(name, settings);
    await this.#boss.updateQueue(name, settings);
  }

  /** Sends one job; with `tx`, atomically with the caller's writes. Returns its id. */
  async send<T extends object>(queue: string, data: T, options: SendOptions = {}): Promise<string> {
    const id = await this.#boss.send(queue, data, {
      db: this.#executor(options.tx),
      // Seconds from the database's now(), not this machine's clock.
      ...(options.startAfterMs ? { startAfter: options.startAfterMs / 1000 } : {}),
      ...(options.id ? { id: options.id } : {}),
      ...(options.singletonKey ? { singletonKey: options.singletonKey } : {}),
    } as PgBoss.SendOptions);
    if (!id) throw new Error(`job not created on queue ${queue} (unknown queue, or a duplicate id)`);
    if (!options.tx) this.notify(queue);
    return id;
  }

  /** Sends several jobs, possibly to several queues, in one statement. */
  async sendMany(jobs: { queue: string; data: object; id?: string }[], options: { tx?: Queryable } = {}) {
    if (jobs.length === 0) return;
    await this.#boss.insert(
      jobs.map((job) => ({ name: job.queue, data: job.data, ...(job.id ? { id: job.id } : {}) })),
      { db: this.#executor(options.tx) } as PgBoss.InsertOptions,
    );
    if (!options.tx) for (const queue of new Set(jobs.map((job) => job.queue))) this.notify(queue);
  }

  /**
   * Runs `handler` for each job of `queue`. A handler that resolves completes its job (unless it
   * already ended it in its own transaction); one that throws has it retried after the queue's
   * back-off, or failed for good on a PermanentJobError or when its retries are used up.
   */
  work<T>(queue: string, handler: JobHandler<T>, options: WorkOptions = {}): void {
    if (this.#handlers.has(queue)) throw new Error(`queue ${queue} already has a worker`);
    if (!this.#queues.has(queue)) this.#queues.set(queue, {});
    this.#handlers.set(queue, { handler: handler as JobHandler<unknown>, options });
    if (this.#state === 'running') {
      void this.#db
        .exclusive(LOCKS.startup, () => this.#applyQueue(queue, this.#queues.get(queue) ?? {}))
        .then(() => this.#startWorker(queue))
        .catch((error: unknown) => this.#log.error({ err: error, queue }, 'queue creation failed'));
    }
  }

  /** Stops this process's worker for `queue`, waiting up to `graceMs` for its jobs in flight. */
  async stopWorking(queue: string, graceMs = 5000): Promise<boolean> {
    const worker = this.#workers.get(queue);
    this.#handlers.delete(queue);
    if (!worker) return true;
    this.#workers.delete(queue);
    const drained = await worker.stop(graceMs);
    if (!drained) this.#log.warn({ queue, inFlight: worker.inFlight }, 'stopped with jobs still running');
    return drained;
  }

  /** Wakes this process's worker for `queue` (a job for it was just committed). */
  notify(queue: string): void {
    this.#workers.get(queue)?.notify();
  }

  /**
   * Sends `data` to `queue` on a cron schedule (needs the `cron` option). Before start() the
   * schedule is kept and applied once pg-boss's schema exists.
   */
  async schedule(queue: string, cron: string, data: object = {}): Promise<void> {
    if (this.#state !== 'running') {
      this.#schedules.push({ queue, cron, data });
      return;
    }
    await this.#boss.schedule(queue, cron, data);
  }

  /**
   * One pg-boss maintenance pass now (it also runs every `maintenanceIntervalS`): jobs active for
   * longer than their queue's expiry (their worker died) go back to the queue; old jobs are archived.
   */
  async maintain(): Promise<void> {
    await this.#boss.maintain();
  }

  /** Waiting and active jobs per queue, and the age of the oldest waiting one. */
  async stats(): Promise<QueueStats[]> {
    const result = await this.#db.query<{
      name: string;
      waiting: number;
      active: number;
      oldest: number | null;
    }>(
      `SELECT name,
              count(*) FILTER (WHERE state < 'active')::int AS waiting,
              count(*) FILTER (WHERE state = 'active')::int AS active,
              EXTRACT(EPOCH FROM now() - min(created_on) FILTER (WHERE state < 'active'))::float8 AS oldest
       FROM ${this.#schema}.job WHERE state <= 'active' GROUP BY name ORDER BY name`,
    );
    return result.rows.map((row) => ({
      queue: row.name,
      waiting: Number(row.waiting),
      active: Number(row.active),
      oldestWaitingAgeS: row.oldest === null ? null : Number(row.oldest),
    }));
  }

  #executor(tx: Queryable | undefined): SqlExecutor {
    return tx ? transactionExecutor(tx) : databaseExecutor(this.#db);
  }

  #startWorker(queue: string): void {
    const registration = this.#handlers.get(queue);
    if (!registration || this.#workers.has(queue)) return;
    const worker = new QueueWorker<RawJob<unknown>>({
      queue,
      concurrency: registration.options.concurrency ?? 4,
      pollIntervalMs: this.#pollIntervalMs,
      log: this.#log,
      fetch: (limit) =>
        this.#boss.fetch(queue, { batchSize: limit, includeMetadata: true }) as Promise<RawJob<unknown>[]>,
      run: (raw) => this.#run(queue, registration.handler, raw),
    });
    this.#workers.set(queue, worker);
    worker.start();
  }

  async #run(queue: string, handler: JobHandler<unknown>, raw: RawJob<unknown>): Promise<void> {
    const job = new Job(raw, this.#boss, this.#schema);
    try {
      await handler(job);
      if (!job.settled) await job.completeIn(this.#db);
      this.#metrics.completed.inc({ queue });
    } catch (error) {
      await this.#settleFailure(queue, job, error);
    }
  }

  async #settleFailure(queue: string, job: Job<unknown>, error: unknown): Promise<void> {
    const policy = this.#queues.get(queue)?.retry ?? DEFAULT_RETRY_POLICY;
    const failedAttempts = job.retryCount + 1;
    const final = isPermanent(error) || !mayRetry(failedAttempts, policy);
    // If the handler had already completed the job in its own committed transaction, fail() finds
    // it completed and changes nothing.
    await this.#db.transaction(async (tx) => {
      if (final) await job.failPermanentlyIn(tx, error);
      else await job.retryLaterIn(tx, error, retryDelayMs(failedAttempts, policy));
    });
    (final ? this.#metrics.failed : this.#metrics.retried).inc({ queue });
    this.#log.warn(
      { err: error, queue, jobId: job.id, attempt: failedAttempts, final },
      'job attempt failed',
    );
  }
}
