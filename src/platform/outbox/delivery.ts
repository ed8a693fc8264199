/**
 * Runs one delivery job: hands the event to its consumer once, in order where the consumer asked
 * for it, and records the outcome. Every outcome and the job's own end commit in one transaction
 * with the delivery row, so the receipt, the retry schedule and the job never disagree.
 */
import type { Database, Queryable } from '../database/database.js';
import { mayRetry, retryDelayMs } from '../jobs/backoff.js';
import { errorOutput, isPermanent, type Job } from '../jobs/job.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { Logger } from '../logging/logger.js';
import {
  type Consumer,
  DEFAULT_TIMEOUT_MS,
  type ExternalConsumer,
  isTransactional,
  queueOf,
  retryPolicyOf,
  type TransactionalConsumer,
} from './consumer.js';
import {
  type Delivery,
  type DeliveryJobData,
  hasPendingPredecessor,
  headOf,
  loadDelivery,
  lockKey,
  markDead,
  markDone,
  markRetry,
  schedule,
} from './delivery-store.js';
import type { OutboxCounters } from './outbox-metrics.js';

export interface DeliveryDeps {
  db: Database;
  jobs: JobRunner;
  log: Logger;
  counters: OutboxCounters;
}

type Skip = 'unknown' | 'finished' | 'superseded' | 'waiting-for-earlier';

/** The pg-boss job handler for `consumer`'s queue. */
export function deliveryHandler(consumer: Consumer, deps: DeliveryDeps) {
  return async (job: Job<DeliveryJobData>): Promise<void> => {
    if (isTransactional(consumer)) await runInTransaction(consumer, job, deps);
    else await runOutside(consumer, job, deps);
  };
}

/** Why this job must not hand its event over, if it must not. */
async function skipReason(
  q: Queryable,
  consumer: Consumer,
  job: Job<DeliveryJobData>,
  delivery: Delivery | undefined,
): Promise<Skip | undefined> {
  if (!delivery) return 'unknown';
  if (delivery.state !== 'pending') return 'finished';
  if (delivery.jobId !== job.id) return 'superseded';
  if (consumer.ordered && (await hasPendingPredecessor(q, consumer.name, delivery.event.key, delivery.seq))) {
    // Not its turn: the earlier delivery schedules this one when it finishes.
    return 'waiting-for-earlier';
  }
  return undefined;
}

async function runInTransaction(
  consumer: TransactionalConsumer,
  job: Job<DeliveryJobData>,
  deps: DeliveryDeps,
) {
  let finished: Finished | undefined;
  try {
    finished = await deps.db.transaction(async (tx) => {
      if (consumer.ordered) await lockKey(tx, consumer.name, job.data.key);
      const delivery = await loadDelivery(tx, consumer.name, job.data.eventId, { lock: true });
      const skip = await skipReason(tx, consumer, job, delivery);
      if (skip || !delivery) {
        await job.completeIn(tx, { skipped: skip });
        return undefined;
      }
      await consumer.handle(delivery.event, { tx, attempt: delivery.attempts + 1 });
      return finish(tx, consumer, job, deps);
    });
  } catch (error) {
    // The handler's effects rolled back with the receipt; count the attempt in a new transaction.
    await recordFailure(consumer, job, error, deps);
    return;
  }
  afterCommit(consumer, finished, deps);
}

async function runOutside(consumer: ExternalConsumer, job: Job<DeliveryJobData>, deps: DeliveryDeps) {
  const delivery = await loadDelivery(deps.db, consumer.name, job.data.eventId, { lock: false });
  const skip = await skipReason(deps.db, consumer, job, delivery);
  if (skip || !delivery) return job.completeIn(deps.db, { skipped: skip });
  try {
    await withTimeout(consumer.timeoutMs ?? DEFAULT_TIMEOUT_MS, (signal) =>
      consumer.deliver(delivery.event, { attempt: delivery.attempts + 1, signal }),
    );
  } catch (error) {
    await recordFailure(consumer, job, error, deps);
    return;
  }
  // If this commit fails the job is retried and the event handed over again: at least once.
  const finished = await deps.db.transaction(async (tx) => {
    if (consumer.ordered) await lockKey(tx, consumer.name, job.data.key);
    return finish(tx, consumer, job, deps);
  });
  afterCommit(consumer, finished, deps);
}

interface Finished {
  delivered: boolean;
  /** Queue of a job scheduled in the transaction, to wake once it has committed. */
  wake: string | undefined;
}

/** Marks the delivery done, schedules the next of its key, completes the job. */
async function finish(tx: Queryable, consumer: Consumer, job: Job<DeliveryJobData>, deps: DeliveryDeps) {
  const delivered = await markDone(tx, consumer.name, job.data.eventId);
  const wake =
    delivered && consumer.ordered ? await scheduleNext(tx, consumer, job.data.key, deps) : undefined;
  await job.completeIn(tx, { delivered });
  return { delivered, wake };
}

async function scheduleNext(tx: Queryable, consumer: Consumer, key: string, deps: DeliveryDeps) {
  const next = await headOf(tx, consumer.name, key);
  if (!next) return undefined;
  await schedule(tx, deps.jobs, consumer.name, [{ eventId: next, key }]);
  return queueOf(consumer.name);
}

function afterCommit(consumer: Consumer, finished: Finished | undefined, deps: DeliveryDeps): void {
  if (finished?.delivered) deps.counters.delivered.inc({ consumer: consumer.name });
  if (finished?.wake) deps.jobs.notify(finished.wake);
}

/** Counts a failed attempt: schedules a retry after the back-off, or dead-letters the event. */
async function recordFailure(
  consumer: Consumer,
  job: Job<DeliveryJobData>,
  error: unknown,
  deps: DeliveryDeps,
) {
  const policy = retryPolicyOf(consumer);
  const message = errorOutput(error).error;
  const outcome = await deps.db.transaction(async (tx) => {
    if (consumer.ordered) await lockKey(tx, consumer.name, job.data.key);
    const delivery = await loadDelivery(tx, consumer.name, job.data.eventId, { lock: true });
    if (delivery?.state !== 'pending' || delivery.jobId !== job.id) {
      await job.completeIn(tx, { skipped: 'finished' });
      return undefined;
    }
    const failed = delivery.attempts + 1;
    if (isPermanent(error) || !mayRetry(failed, policy)) {
      await markDead(tx, consumer.name, job.data.eventId, message);
      await consumer.onDeadLetter?.(delivery.event, { tx, error: message });
      const wake = consumer.ordered ? await scheduleNext(tx, consumer, job.data.key, deps) : undefined;
      await job.failPermanentlyIn(tx, error);
      return { dead: true, failed, event: delivery.event, wake };
    }
    const delayMs = retryDelayMs(failed, policy);
    await markRetry(tx, consumer.name, job.data.eventId, message, delayMs);
    await job.retryLaterIn(tx, error, delayMs);
    return { dead: false, failed, event: delivery.event, delayMs, wake: undefined };
  });
  if (!outcome) return;
  afterCommit(consumer, { delivered: false, wake: outcome.wake }, deps);
  deps.counters.failedAttempts.inc({ consumer: consumer.name });
  if (outcome.dead) deps.counters.deadLetters.inc({ consumer: consumer.name });
  // Type and id only: payloads carry personal data.
  deps.log[outcome.dead ? 'error' : 'warn'](
    {
      consumer: consumer.name,
      eventId: outcome.event.id,
      eventType: outcome.event.type,
      attempt: outcome.failed,
      retryInMs: outcome.delayMs,
      error: message,
    },
    outcome.dead ? 'event dead-lettered' : 'event delivery failed; will retry',
  );
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
