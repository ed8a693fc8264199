/**
 * The delivery job: one step of one notification each run. A pending notification is sent on the
 * channel the rules choose (or held for quiet hours, or put on the worklist); a sending one has its
 * receipt polled. Provider calls happen outside any transaction; each outcome commits with the
 * next step's job (pipeline.ts), so a crash between steps repeats at most the last call.
 */
import type { Job } from '../platform/jobs/job.js';
import { lookUpRecipient } from './patient-lookup.js';
import { commitStep, type DeliverJobData, type PipelineDeps, type StepOutcome } from './pipeline.js';
import { afterTemporaryFailure, describeAttempts, nextPoll, planDelivery } from './planner.js';
import { type DeliveryStatus, ProviderError, sendVia } from './provider.js';
import { smsAllowedFrom } from './quiet-hours.js';
import { loadNotification, type NotificationRow } from './store.js';
import type { Channel } from './templates.js';

export function deliverHandler(deps: PipelineDeps) {
  return async (job: Job<DeliverJobData>): Promise<void> => {
    const row = await loadNotification(deps.db, job.data.notificationId);
    // Unknown, finished, or superseded by a newer job: nothing to do (the runner completes the job).
    if (!row || row.jobId !== job.id) return;
    if (row.state === 'pending') await sendStep(deps, row, job);
    else if (row.state === 'sending') await receiptStep(deps, row, job);
  };
}

function asProviderError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  // An unexpected fault in a provider: retrying is the safe reading (it ends in the fallback).
  return new ProviderError(
    'temporary',
    `provider error: ${error instanceof Error ? error.message : String(error)}`,
  );
}

async function sendStep(deps: PipelineDeps, row: NotificationRow, job: Job<DeliverJobData>): Promise<void> {
  const now = deps.now();
  // HAZ-EARLY-RESULT: a job that runs early (clock skew, the safety net) waits again.
  if (now < row.notBefore) {
    await commitStep(deps, row, job, { change: { state: 'pending' }, nextAt: row.notBefore });
    return;
  }
  const recipient = await lookUpRecipient(deps.db, row.patient, now);
  if ('unreachable' in recipient) return toWorklist(deps, row, job, recipient.unreachable);
  const consent = await deps.preferences.get(deps.db, recipient.patient);
  const plan = planDelivery({ contacts: recipient.contacts, consent, failed: row.failed });
  if ('worklist' in plan) return toWorklist(deps, row, job, plan.worklist);

  const { channel, to } = plan;
  const attempts = row.channel === channel ? row.attempts : 0;
  if (channel === 'sms') {
    const allowedAt = smsAllowedFrom(now);
    if (allowedAt > now) {
      await commitStep(deps, row, job, {
        change: { state: 'pending', channel, attempts },
        nextAt: allowedAt,
        attempt: {
          channel,
          outcome: 'quiet-hours',
          detail: `held until ${allowedAt.toISOString()}`,
          at: now,
        },
      });
      return;
    }
  }
  let providerId: string;
  try {
    providerId = await sendVia(deps.provider, channel, to, {
      templateId: deps.settings.templateIds[row.template][channel],
      personalisation: row.personalisation,
      reference: row.id,
    });
  } catch (error) {
    const failure = asProviderError(error);
    deps.metrics.messages.inc({ channel, outcome: `refused-${failure.kind}` });
    const attempt = { channel, outcome: `refused-${failure.kind}`, detail: failure.message, at: now };
    if (failure.kind === 'permanent') {
      await commitStep(deps, row, job, giveUp(row, channel, `refused: ${failure.message}`, now, attempt));
      return;
    }
    await commitStep(
      deps,
      row,
      job,
      temporaryFailure(deps, row, channel, attempts + 1, failure.message, now, attempt),
    );
    return;
  }
  deps.metrics.messages.inc({ channel, outcome: 'accepted' });
  await commitStep(deps, row, job, {
    change: { state: 'sending', channel, attempts, providerId, acceptedAt: now, polls: 0, lastError: null },
    nextAt: new Date(now.getTime() + deps.settings.poll.firstDelayMs),
    attempt: { channel, outcome: 'accepted', providerId, at: now },
  });
}

async function receiptStep(
  deps: PipelineDeps,
  row: NotificationRow,
  job: Job<DeliverJobData>,
): Promise<void> {
  const now = deps.now();
  const channel = row.channel ?? 'sms';
  let status: DeliveryStatus;
  let detail: string | undefined;
  try {
    if (!row.providerId) throw new ProviderError('permanent', 'no provider id recorded');
    status = await deps.provider.status(row.providerId);
  } catch (error) {
    const failure = asProviderError(error);
    if (failure.kind === 'temporary') return pollAgain(deps, row, job, channel, now, failure.message);
    // The provider cannot say what became of it (unknown id, key revoked): count it as failed.
    status = 'technical-failure';
    detail = failure.message;
  }
  const providerId = row.providerId;
  switch (status) {
    case 'sending':
      return pollAgain(deps, row, job, channel, now);
    case 'delivered': {
      deps.metrics.messages.inc({ channel, outcome: 'delivered' });
      const done = await commitStep(deps, row, job, {
        change: { state: 'delivered', finishedAt: now, lastError: null },
        attempt: { channel, outcome: 'delivered', providerId, at: now },
      });
      if (done) deps.metrics.finished.inc({ outcome: 'delivered', channel });
      return;
    }
    case 'permanent-failure': {
      deps.metrics.messages.inc({ channel, outcome: status });
      const attempt = { channel, outcome: status, providerId, at: now };
      await commitStep(
        deps,
        row,
        job,
        giveUp(row, channel, 'permanent-failure reported by the provider', now, attempt),
      );
      return;
    }
    default: {
      deps.metrics.messages.inc({ channel, outcome: status });
      const message = detail ? `${status}: ${detail}` : `${status} reported by the provider`;
      const attempt = { channel, outcome: status, providerId, detail: detail ?? null, at: now };
      await commitStep(
        deps,
        row,
        job,
        temporaryFailure(deps, row, channel, row.attempts + 1, message, now, attempt),
      );
    }
  }
}

async function pollAgain(
  deps: PipelineDeps,
  row: NotificationRow,
  job: Job<DeliverJobData>,
  channel: Channel,
  now: Date,
  error?: string,
): Promise<void> {
  const next = nextPoll(row.polls, row.acceptedAt ?? now, now, deps.settings.poll);
  if ('pollInMs' in next) {
    await commitStep(deps, row, job, {
      change: { state: 'sending', polls: row.polls + 1, ...(error ? { lastError: error } : {}) },
      nextAt: new Date(now.getTime() + next.pollInMs),
    });
    return;
  }
  deps.metrics.messages.inc({ channel, outcome: 'overdue' });
  const hours = Math.round(deps.settings.poll.giveUpMs / 3_600_000);
  const reason = `no delivery receipt within ${hours} hours`;
  const attempt = { channel, outcome: 'overdue', providerId: row.providerId, detail: error ?? null, at: now };
  await commitStep(deps, row, job, giveUp(row, channel, reason, now, attempt));
}

/** A temporary failure on `channel`: retry after the back-off, or give the channel up. */
function temporaryFailure(
  deps: PipelineDeps,
  row: NotificationRow,
  channel: Channel,
  failedAttempts: number,
  message: string,
  now: Date,
  attempt: StepOutcome['attempt'],
): StepOutcome {
  const next = afterTemporaryFailure(failedAttempts, deps.settings.retry);
  if ('exhausted' in next) {
    return giveUp(row, channel, `${message} (${describeAttempts(failedAttempts)})`, now, attempt);
  }
  return {
    change: { state: 'pending', channel, attempts: failedAttempts, providerId: null, lastError: message },
    nextAt: new Date(now.getTime() + next.retryInMs),
    ...(attempt ? { attempt } : {}),
  };
}

/** Gives `channel` up for this notification; the next step tries the next channel or the worklist. */
function giveUp(
  row: NotificationRow,
  channel: Channel,
  reason: string,
  now: Date,
  attempt: StepOutcome['attempt'],
): StepOutcome {
  return {
    change: {
      state: 'pending',
      channel: null,
      attempts: 0,
      providerId: null,
      failed: [...row.failed, { channel, reason: reason.slice(0, 500) }],
      lastError: reason,
    },
    nextAt: now,
    ...(attempt ? { attempt } : {}),
  };
}

async function toWorklist(
  deps: PipelineDeps,
  row: NotificationRow,
  job: Job<DeliverJobData>,
  reason: string,
) {
  const now = deps.now();
  const done = await commitStep(deps, row, job, {
    change: { state: 'worklist', finishedAt: now, lastError: reason },
    worklist: { reason },
  });
  if (!done) return;
  deps.metrics.finished.inc({ outcome: 'worklist', channel: 'none' });
  deps.safetyEvents.inc({ hazard: 'HAZ-SILENT-NOTIFY' });
  // Ids and the template only: the reason is ours and Notify's words, never contact details.
  deps.log.warn(
    { safetyEvent: 'HAZ-SILENT-NOTIFY', notification: row.id, template: row.template, reason },
    'notification could not be delivered; on the service-desk worklist',
  );
}
