/**
 * One delivery batch of one consumer: claim its due deliveries, hand each event over once (in
 * order per key where the consumer asked for it), and record the outcomes with one UPDATE each for
 * the successes and the failures.
 *
 * - Transactional consumers: claim, handlers (each under a savepoint, so one failure rolls back
 *   only its own effects), receipts and failures all commit in one transaction.
 * - External consumers: the claim leases the rows and commits; the events are handed over outside
 *   any transaction; the outcomes commit together afterwards. A worker that dies leaves leases that
 *   run out, and the deliveries are claimed again: at least once.
 */
import type { Database, Queryable } from '../database/database.js';
import { mayRetry, retryDelayMs } from '../jobs/backoff.js';
import { errorOutput, isPermanent } from '../jobs/job.js';
import type { Logger } from '../logging/logger.js';
import {
  type Consumer,
  DEFAULT_TIMEOUT_MS,
  type ExternalConsumer,
  isTransactional,
  retryPolicyOf,
  type TransactionalConsumer,
} from './consumer.js';
import {
  type ClaimedDelivery,
  claimDue,
  type FailedAttempt,
  markDone,
  markFailed,
} from './delivery-store.js';
import type { OutboxCounters } from './outbox-metrics.js';
import type { PublishedPayloads } from './published-payloads.js';

export interface DeliveryDeps {
  db: Database;
  log: Logger;
  counters: OutboxCounters;
  /** Payloads stored by reference, resolved per batch before the hand-over. */
  payloads: PublishedPayloads;
}

/** A transactional batch holds its rows locked, not leased; the lease only covers a lost commit. */
const TRANSACTIONAL_LEASE_MS = 60_000;

interface Failure {
  claimed: ClaimedDelivery;
  error: unknown;
}

/** Runs one batch; returns how many deliveries it claimed. */
export function deliverBatch(consumer: Consumer, deps: DeliveryDeps): Promise<number> {
  return isTransactional(consumer) ? transactionalBatch(consumer, deps) : externalBatch(consumer, deps);
}

/** Deliveries claimed per batch. */
export function batchLimitOf(consumer: Consumer): number {
  return (consumer.concurrency ?? 4) * 4;
}

async function transactionalBatch(consumer: TransactionalConsumer, deps: DeliveryDeps): Promise<number> {
  const outcome = await deps.db.transaction(async (tx) => {
    const claimed = await claimDue(tx, consumer.name, {
      limit: batchLimitOf(consumer),
      leaseMs: TRANSACTIONAL_LEASE_MS,
      ordered: consumer.ordered === true,
    });
    const succeeded: string[] = [];
    const failures: Failure[] = [];
    let ready = claimed;
    if (deps.payloads.applies(consumer, claimed)) {
      // Under a savepoint: a failed read must not abort the batch's transaction.
      await tx.query('SAVEPOINT outbox_resolve');
      const resolved = await deps.payloads.resolve(tx, claimed);
      await tx.query(
        resolved.unresolved.length > 0
          ? 'ROLLBACK TO SAVEPOINT outbox_resolve'
          : 'RELEASE SAVEPOINT outbox_resolve',
      );
      ready = resolved.ready;
      failures.push(...resolved.unresolved);
    }
    for (const delivery of ready) {
      await tx.query('SAVEPOINT outbox_delivery');
      try {
        await consumer.handle(delivery.event, { tx, attempt: delivery.attempts + 1 });
        await tx.query('RELEASE SAVEPOINT outbox_delivery');
        succeeded.push(delivery.event.id);
      } catch (error) {
        // The handler's effects roll back; the attempt is counted below.
        await tx.query('ROLLBACK TO SAVEPOINT outbox_delivery');
        failures.push({ claimed: delivery, error });
      }
    }
    const delivered = await markDone(tx, consumer.name, succeeded);
    const failed = await recordFailures(tx, consumer, failures);
    return { claimed: claimed.length, delivered: delivered.length, failed };
  });
  report(consumer, outcome.delivered, outcome.failed, deps);
  return outcome.claimed;
}

async function externalBatch(consumer: ExternalConsumer, deps: DeliveryDeps): Promise<number> {
  const timeoutMs = consumer.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const limit = batchLimitOf(consumer);
  const concurrency = consumer.concurrency ?? 4;
  const claimed = await claimDue(deps.db, consumer.name, {
    limit,
    // Handed over `concurrency` at a time, each within its timeout, then a minute to record.
    leaseMs: Math.ceil(limit / concurrency) * timeoutMs + 60_000,
    ordered: consumer.ordered === true,
  });
  if (claimed.length === 0) return 0;
  const succeeded: string[] = [];
  const failures: Failure[] = [];
  let ready = claimed;
  if (deps.payloads.applies(consumer, claimed)) {
    const resolved = await deps.payloads.resolve(deps.db, claimed);
    ready = resolved.ready;
    failures.push(...resolved.unresolved);
  }
  await inParallel(ready, concurrency, async (delivery) => {
    try {
      await withTimeout(timeoutMs, (signal) =>
        consumer.deliver(delivery.event, { attempt: delivery.attempts + 1, signal }),
      );
      succeeded.push(delivery.event.id);
    } catch (error) {
      failures.push({ claimed: delivery, error });
    }
  });
  // If this commit fails the leases run out and the events are handed over again: at least once.
  const outcome = await deps.db.transaction(async (tx) => {
    const delivered = await markDone(tx, consumer.name, succeeded);
    const failed = await recordFailures(tx, consumer, failures);
    return { delivered: delivered.length, failed };
  });
  report(consumer, outcome.delivered, outcome.failed, deps);
  return claimed.length;
}

interface RecordedFailure {
  event: ClaimedDelivery['event'];
  attempt: number;
  error: string;
  retryInMs: number | undefined;
}

/** Counts failed attempts: a retry after each one's back-off, or a dead letter (with its hook). */
async function recordFailures(tx: Queryable, consumer: Consumer, failures: Failure[]) {
  const policy = retryPolicyOf(consumer);
  const attempts: (FailedAttempt & { failure: Failure; attempt: number })[] = failures.map((failure) => {
    const attempt = failure.claimed.attempts + 1;
    const dead = isPermanent(failure.error) || !mayRetry(attempt, policy);
    return {
      failure,
      attempt,
      eventId: failure.claimed.event.id,
      error: errorOutput(failure.error).error,
      retryInMs: dead ? undefined : retryDelayMs(attempt, policy),
    };
  });
  const recorded = new Set(
    await markFailed(tx, consumer.name, attempts, { ordered: consumer.ordered === true }),
  );
  const result: RecordedFailure[] = [];
  for (const attempt of attempts) {
    if (!recorded.has(attempt.eventId)) continue;
    const event = attempt.failure.claimed.event;
    if (attempt.retryInMs === undefined) await consumer.onDeadLetter?.(event, { tx, error: attempt.error });
    result.push({ event, attempt: attempt.attempt, error: attempt.error, retryInMs: attempt.retryInMs });
  }
  return result;
}

function report(consumer: Consumer, delivered: number, failed: RecordedFailure[], deps: DeliveryDeps) {
  if (delivered > 0) deps.counters.delivered.inc({ consumer: consumer.name }, delivered);
  for (const failure of failed) {
    const dead = failure.retryInMs === undefined;
    deps.counters.failedAttempts.inc({ consumer: consumer.name });
    if (dead) deps.counters.deadLetters.inc({ consumer: consumer.name });
    // Type and id only: payloads carry personal data.
    deps.log[dead ? 'error' : 'warn'](
      {
        consumer: consumer.name,
        eventId: failure.event.id,
        eventType: failure.event.type,
        attempt: failure.attempt,
        retryInMs: failure.retryInMs,
        error: failure.error,
      },
      dead ? 'event dead-lettered' : 'event delivery failed; will retry',
    );
  }
}

/** Runs `work` over `items`, at most `limit` at a time. */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/** Runs `work` with an AbortSignal that fires after `timeoutMs`; a timeout is a failure. */
async function withTimeout(timeoutMs: number, work: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`delivery timed out after ${timeoutMs} ms`);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    await Promise.race([work(controller.signal), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
