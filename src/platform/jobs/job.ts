/**
 * One fetched job and the three ways it can end. Each takes the transaction to end it in, so a
 * handler can commit its effects and the job's completion (or its rescheduling) together.
 */
import type PgBoss from 'pg-boss';
import type { Queryable } from '../database/database.js';
import { transactionExecutor } from './sql-executor.js';

/** Throw this (or a subclass) from a handler when retrying cannot help: the job fails at once. */
export class PermanentJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

export function isPermanent(error: unknown): boolean {
  return error instanceof PermanentJobError || (error instanceof Error && error.name === 'PermanentJobError');
}

/** What a job's output keeps of an error: the message, never a payload or a stack. */
export function errorOutput(error: unknown): { error: string } {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { error: message.slice(0, 2000) };
}

export interface RawJob<T> {
  id: string;
  name: string;
  data: T;
  retryCount: number;
  createdOn: Date;
}

export class Job<T = unknown> {
  readonly id: string;
  readonly queue: string;
  readonly data: T;
  /** Attempts before this one: 0 on the first run. */
  readonly retryCount: number;
  readonly createdOn: Date;
  #settled = false;

  constructor(
    raw: RawJob<T>,
    private readonly boss: PgBoss,
    private readonly schema: string,
  ) {
    this.id = raw.id;
    this.queue = raw.name;
    this.data = raw.data;
    this.retryCount = Number(raw.retryCount ?? 0);
    this.createdOn = new Date(raw.createdOn);
  }

  /** True once the handler (or the runner) has ended the job one way or another. */
  get settled(): boolean {
    return this.#settled;
  }

  async completeIn(tx: Queryable, output: object = {}): Promise<void> {
    this.#settled = true;
    await this.boss.complete(this.queue, this.id, output, { db: transactionExecutor(tx) });
  }

  /**
   * Back to the queue, to run again after `delayMs`. pg-boss's own fail() schedules the retry with
   * its uncapped back-off; the start time is then overwritten with ours, in the same transaction.
   */
  async retryLaterIn(tx: Queryable, error: unknown, delayMs: number): Promise<void> {
    this.#settled = true;
    await this.boss.fail(this.queue, this.id, errorOutput(error), { db: transactionExecutor(tx) });
    await tx.query(
      `UPDATE ${this.schema}.job SET start_after = now() + $3::double precision * interval '1 millisecond'
       WHERE name = $1 AND id = $2 AND state = 'retry'`,
      [this.queue, this.id, Math.max(0, delayMs)],
    );
  }

  /** Failed for good: no retry; pg-boss moves it to the queue's dead-letter queue if it has one. */
  async failPermanentlyIn(tx: Queryable, error: unknown): Promise<void> {
    this.#settled = true;
    // fail() retries while retry_count < retry_limit; lowering the limit makes this failure final.
    await tx.query(
      `UPDATE ${this.schema}.job SET retry_limit = retry_count WHERE name = $1 AND id = $2 AND state = 'active'`,
      [this.queue, this.id],
    );
    await this.boss.fail(this.queue, this.id, errorOutput(error), { db: transactionExecutor(tx) });
  }
}
