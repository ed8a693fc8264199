/**
 * What the delivery steps share: their dependencies, the job queue, putting a new notification in
 * (in the caller's transaction), and committing a step's outcome together with the next step's job.
 */
import { randomUUID } from 'node:crypto';
import type { Counter } from 'prom-client';
import type { Database, Queryable } from '../platform/database/database.js';
import type { Job } from '../platform/jobs/job.js';
import type { JobRunner } from '../platform/jobs/job-runner.js';
import type { Logger } from '../platform/logging/logger.js';
import type { NotificationMetrics } from './metrics.js';
import type { NotificationPreferencesService } from './preferences.js';
import type { NotificationProvider } from './provider.js';
import type { NotificationSettings } from './settings.js';
import {
  type AttemptRecord,
  applyStep,
  insertNotification,
  type NotificationRow,
  recordAttempt,
  type StepChange,
} from './store.js';
import { isPipelineTemplate } from './templates.js';
import type { NotificationRequest } from './triggers.js';
import { PATIENT_REFERENCE } from './triggers.js';
import { addToWorklist } from './worklist-store.js';

export const DELIVER_QUEUE = 'notifications.deliver';

export interface DeliverJobData {
  notificationId: string;
}

export interface PipelineDeps {
  db: Database;
  jobs: JobRunner;
  provider: NotificationProvider;
  preferences: NotificationPreferencesService;
  settings: NotificationSettings;
  metrics: NotificationMetrics;
  safetyEvents: Counter<'hazard'>;
  log: Logger;
  now: () => Date;
  /** Wakes this process's delivery worker after `delayMs` (a job falls due then). */
  wake: (delayMs: number) => void;
}

const delayUntil = (deps: PipelineDeps, at: Date) => Math.max(0, at.getTime() - deps.now().getTime());

/** Puts a notification in, idempotent by `dedupeKey`, with its first job, in the caller's transaction. */
export async function enqueueNotification(
  tx: Queryable,
  deps: PipelineDeps,
  request: NotificationRequest,
): Promise<{ id: string; created: boolean }> {
  if (!PATIENT_REFERENCE.test(request.patient)) throw new TypeError('patient must be Patient/<id>');
  if (!isPipelineTemplate(request.template))
    throw new TypeError(`unknown notification template ${request.template}`);
  if (typeof request.dedupeKey !== 'string' || request.dedupeKey === '' || request.dedupeKey.length > 200) {
    throw new TypeError('dedupeKey must be a non-empty string of at most 200 characters');
  }
  const now = deps.now();
  const notBefore = request.notBefore && request.notBefore > now ? request.notBefore : now;
  const id = randomUUID();
  const jobId = randomUUID();
  const personalisation = Object.fromEntries(
    Object.entries(request.personalisation).map(([key, value]) => [key, String(value)]),
  );
  const result = await insertNotification(tx, {
    id,
    jobId,
    dedupeKey: request.dedupeKey,
    patient: request.patient,
    template: request.template,
    personalisation,
    notBefore,
    now,
  });
  if (!result.created) return result;
  const delayMs = delayUntil(deps, notBefore);
  await deps.jobs.send(DELIVER_QUEUE, { notificationId: id } satisfies DeliverJobData, {
    tx,
    id: jobId,
    startAfterMs: delayMs,
  });
  // The caller commits later; wake the worker shortly after so it need not wait for its next poll.
  deps.wake(delayMs + 50);
  return result;
}

export interface StepOutcome {
  change: Omit<StepChange, 'jobId'>;
  /** When the next step is due; absent for a final state. */
  nextAt?: Date;
  attempt?: AttemptRecord;
  worklist?: { reason: string };
}

/**
 * Commits a step: the row's change (only if this job still owns it), the attempt, a worklist
 * item, the next step's job and this job's completion, all in one transaction.
 */
export async function commitStep(
  deps: PipelineDeps,
  row: NotificationRow,
  job: Job<DeliverJobData>,
  outcome: StepOutcome,
): Promise<boolean> {
  const now = deps.now();
  const delayMs = outcome.nextAt ? delayUntil(deps, outcome.nextAt) : undefined;
  const committed = await deps.db.transaction(async (tx) => {
    const jobId = outcome.nextAt ? randomUUID() : null;
    const change: StepChange = {
      ...outcome.change,
      jobId,
      ...(outcome.nextAt ? { nextAttemptAt: outcome.nextAt } : {}),
    };
    if (!(await applyStep(tx, row.id, job.id, change, now))) {
      await job.completeIn(tx, { skipped: 'superseded' });
      return false;
    }
    if (outcome.attempt) await recordAttempt(tx, row.id, outcome.attempt);
    if (outcome.worklist) {
      await addToWorklist(tx, {
        notificationId: row.id,
        patient: row.patient,
        template: row.template,
        channelsTried: [...new Set(row.failed.map((failure) => failure.channel))],
        reason: outcome.worklist.reason,
        now,
      });
    }
    if (jobId) {
      await deps.jobs.send(DELIVER_QUEUE, { notificationId: row.id } satisfies DeliverJobData, {
        tx,
        id: jobId,
        startAfterMs: delayMs ?? 0,
      });
    }
    await job.completeIn(tx, { state: change.state });
    return true;
  });
  if (committed && delayMs !== undefined) deps.wake(delayMs);
  return committed;
}
