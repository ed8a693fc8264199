/**
 * What a capability registers to hear about events. Two kinds, because where the effect lands
 * decides what "exactly once" can mean:
 *
 * - `handle(event, { tx })` — effects in this database. Runs inside the transaction that records
 *   the receipt, so the effects commit exactly once however often the event is delivered. Keep it
 *   short and use only `tx`: it holds a connection (on PGlite, the only one).
 * - `deliver(event, { signal })` — effects elsewhere (HTTP, NATS). Runs outside any transaction so
 *   a slow or dead remote never holds a database connection; at least once, so pass `event.id`
 *   downstream as the idempotency key.
 */
import type { Queryable } from '../database/database.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../jobs/backoff.js';
import { PermanentJobError } from '../jobs/job.js';
import type { DomainEvent } from './events.js';

interface ConsumerBase {
  /** Stable and unique: it names the consumer's receipts and its job queue. */
  name: string;
  /** Event types to receive, or '*' for all. */
  types: string[] | '*';
  /** Defaults: 1 s doubling to 5 min, jittered, forever. */
  retry?: Partial<RetryPolicy>;
  /**
   * Per key (e.g. per prescription): an event is handed over only after every earlier event of
   * its key has been handled (or dead-lettered), however often the earlier one fails.
   */
  ordered?: boolean;
  /**
   * `published` (default): each event as it is published, a resource its row stores by reference
   * read back (published-payloads.ts; one query per batch and type). `stored`: the row as it is,
   * for consumers that read only the payload's ids and references.
   */
  payloads?: 'published' | 'stored';
  /** Events handled at once by this process. Default 4. */
  concurrency?: number;
  /**
   * Called inside the transaction that dead-letters an event (a PermanentFailure, or the retry
   * limit reached), so that e.g. a worklist entry commits together with the dead letter.
   */
  onDeadLetter?(event: DomainEvent, context: { tx: Queryable; error: string }): Promise<void>;
  /** Called by Outbox.stop() after the last delivery, to release connections. */
  close?(): Promise<void>;
}

export interface TransactionalConsumer extends ConsumerBase {
  handle(event: DomainEvent, context: { tx: Queryable; attempt: number }): Promise<void>;
}

export interface ExternalConsumer extends ConsumerBase {
  deliver(event: DomainEvent, context: { attempt: number; signal: AbortSignal }): Promise<void>;
  /** An attempt still running after this long counts as failed. Default 30 s. */
  timeoutMs?: number;
}

export type Consumer = TransactionalConsumer | ExternalConsumer;

/** Throw from a consumer when retrying cannot help (e.g. a 4xx): the event is dead-lettered at once. */
export class PermanentFailure extends PermanentJobError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentFailure';
  }
}

export function isTransactional(consumer: Consumer): consumer is TransactionalConsumer {
  return typeof (consumer as TransactionalConsumer).handle === 'function';
}

export function wants(consumer: Consumer, type: string): boolean {
  return consumer.types === '*' || consumer.types.includes(type);
}

export function retryPolicyOf(consumer: Consumer): RetryPolicy {
  return { ...DEFAULT_RETRY_POLICY, ...consumer.retry };
}

export const DEFAULT_TIMEOUT_MS = 30_000;

const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export function validateConsumer(consumer: Consumer): void {
  if (!NAME.test(consumer.name)) {
    throw new Error(`consumer name "${consumer.name}" must be lower-case letters, digits, - or _`);
  }
  const transactional = Number(typeof (consumer as TransactionalConsumer).handle === 'function');
  const external = Number(typeof (consumer as ExternalConsumer).deliver === 'function');
  if (transactional + external !== 1)
    throw new Error(`consumer ${consumer.name} needs exactly one of handle() or deliver()`);
  if (consumer.types !== '*' && (!Array.isArray(consumer.types) || consumer.types.length === 0)) {
    throw new Error(`consumer ${consumer.name} must list the event types it wants, or '*'`);
  }
}

/** The pg-boss queue of a consumer. */
export function queueOf(consumerName: string): string {
  return `outbox.${consumerName}`;
}
