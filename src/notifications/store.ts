/** SQL over the notification rows and their attempts. Data access only; the rules are in planner.ts. */
import type { Queryable } from '../platform/database/database.js';
import type { ChannelFailure } from './planner.js';
import type { Channel, Personalisation, PipelineTemplate } from './templates.js';

export type NotificationState = 'pending' | 'sending' | 'delivered' | 'worklist';

export interface NotificationRow {
  id: string;
  dedupeKey: string;
  patient: string;
  template: PipelineTemplate;
  personalisation: Personalisation;
  state: NotificationState;
  channel: Channel | null;
  attempts: number;
  failed: ChannelFailure[];
  providerId: string | null;
  acceptedAt: Date | null;
  polls: number;
  notBefore: Date;
  nextAttemptAt: Date;
  jobId: string | null;
  lastError: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

interface Row {
  id: string;
  dedupe_key: string;
  patient: string;
  template: string;
  personalisation: Personalisation;
  state: NotificationState;
  channel: Channel | null;
  attempts: number;
  failed: ChannelFailure[];
  provider_id: string | null;
  accepted_at: Date | string | null;
  polls: number;
  not_before: Date | string;
  next_attempt_at: Date | string;
  job_id: string | null;
  last_error: string | null;
  created_at: Date | string;
  finished_at: Date | string | null;
}

const date = (value: Date | string) => new Date(value);
const maybeDate = (value: Date | string | null) => (value === null ? null : new Date(value));

function toNotification(row: Row): NotificationRow {
  return {
    id: row.id,
    dedupeKey: row.dedupe_key,
    patient: row.patient,
    template: row.template as PipelineTemplate,
    personalisation: row.personalisation,
    state: row.state,
    channel: row.channel,
    attempts: Number(row.attempts),
    failed: row.failed ?? [],
    providerId: row.provider_id,
    acceptedAt: maybeDate(row.accepted_at),
    polls: Number(row.polls),
    notBefore: date(row.not_before),
    nextAttemptAt: date(row.next_attempt_at),
    jobId: row.job_id,
    lastError: row.last_error,
    createdAt: date(row.created_at),
    finishedAt: maybeDate(row.finished_at),
  };
}

export interface NewNotification {
  id: string;
  dedupeKey: string;
  patient: string;
  template: PipelineTemplate;
  personalisation: Personalisation;
  notBefore: Date;
  jobId: string;
  now: Date;
}

/** Inserts unless the dedupe key exists; returns the id of the new or the existing row. */
export async function insertNotification(
  tx: Queryable,
  input: NewNotification,
): Promise<{ id: string; created: boolean }> {
  const inserted = await tx.query<{ id: string }>(
    `INSERT INTO notification (id, dedupe_key, patient, template, personalisation, not_before,
                               next_attempt_at, job_id, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6, $6, $7, $8, $8)
     ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
    [
      input.id,
      input.dedupeKey,
      input.patient,
      input.template,
      JSON.stringify(input.personalisation),
      input.notBefore,
      input.jobId,
      input.now,
    ],
  );
  if (inserted.rows[0]) return { id: inserted.rows[0].id, created: true };
  const existing = await tx.query<{ id: string }>('SELECT id FROM notification WHERE dedupe_key = $1', [
    input.dedupeKey,
  ]);
  return { id: existing.rows[0]!.id, created: false };
}

export async function loadNotification(q: Queryable, id: string): Promise<NotificationRow | undefined> {
  const result = await q.query<Row>('SELECT * FROM notification WHERE id = $1', [id]);
  return result.rows[0] ? toNotification(result.rows[0]) : undefined;
}

/** The fields a step may change. `jobId` is the job for the next step (null when final). */
export interface StepChange {
  state: NotificationState;
  channel?: Channel | null;
  attempts?: number;
  failed?: ChannelFailure[];
  providerId?: string | null;
  acceptedAt?: Date | null;
  polls?: number;
  nextAttemptAt?: Date;
  lastError?: string | null;
  jobId: string | null;
  finishedAt?: Date | null;
}

const COLUMNS: Record<keyof Omit<StepChange, 'jobId' | 'state'>, string> = {
  channel: 'channel',
  attempts: 'attempts',
  failed: 'failed',
  providerId: 'provider_id',
  acceptedAt: 'accepted_at',
  polls: 'polls',
  nextAttemptAt: 'next_attempt_at',
  lastError: 'last_error',
  finishedAt: 'finished_at',
};

/**
 * Applies a step's outcome, only if `expectedJobId` still owns the row (a superseded job must
 * not move it). Returns false when it did not.
 */
export async function applyStep(
  tx: Queryable,
  id: string,
  expectedJobId: string,
  change: StepChange,
  now: Date,
): Promise<boolean> {
  const sets = ['state = $3', 'job_id = $4', 'updated_at = $5'];
  const params: unknown[] = [id, expectedJobId, change.state, change.jobId, now];
  for (const [key, column] of Object.entries(COLUMNS) as [keyof typeof COLUMNS, string][]) {
    if (change[key] === undefined) continue;
    params.push(key === 'failed' ? JSON.stringify(change.failed) : change[key]);
    sets.push(`${column} = $${params.length}${key === 'failed' ? '::jsonb' : ''}`);
  }
  const result = await tx.query(
    `UPDATE notification SET ${sets.join(', ')} WHERE id = $1 AND job_id = $2`,
    params,
  );
  return result.rowCount === 1;
}

export interface AttemptRecord {
  channel: Channel;
  outcome: string;
  providerId?: string | null;
  detail?: string | null;
  at: Date;
}

export async function recordAttempt(
  tx: Queryable,
  notificationId: string,
  attempt: AttemptRecord,
): Promise<void> {
  await tx.query(
    `INSERT INTO notification_attempt (notification_id, channel, outcome, provider_id, detail, at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [
      notificationId,
      attempt.channel,
      attempt.outcome,
      attempt.providerId ?? null,
      attempt.detail?.slice(0, 500) ?? null,
      attempt.at,
    ],
  );
}

export interface Attempt extends AttemptRecord {
  providerId: string | null;
  detail: string | null;
}

export async function attemptsOf(q: Queryable, notificationId: string): Promise<Attempt[]> {
  const result = await q.query<{
    channel: Channel;
    outcome: string;
    provider_id: string | null;
    detail: string | null;
    at: Date | string;
  }>(
    'SELECT channel, outcome, provider_id, detail, at FROM notification_attempt WHERE notification_id = $1 ORDER BY id',
    [notificationId],
  );
  return result.rows.map((row) => ({
    channel: row.channel,
    outcome: row.outcome,
    providerId: row.provider_id,
    detail: row.detail,
    at: new Date(row.at),
  }));
}

/**
 * Unfinished notifications that are due by `now` but whose job will not run soon (lost, or
 * waiting far ahead of a clock that has moved on). Locked, skipping rows another replica holds.
 */
export async function findStalled(
  tx: Queryable,
  jobsSchema: string,
  queue: string,
  now: Date,
  limit: number,
): Promise<string[]> {
  const result = await tx.query<{ id: string }>(
    `SELECT n.id FROM notification n
     WHERE n.state IN ('pending', 'sending') AND n.next_attempt_at <= $1
       AND NOT EXISTS (
         SELECT 1 FROM ${jobsSchema}.job j
         WHERE j.name = $2 AND j.id = n.job_id
           AND (j.state = 'active' OR (j.state < 'active' AND j.start_after <= now() + interval '5 seconds')))
     ORDER BY n.next_attempt_at LIMIT $3
     FOR UPDATE OF n SKIP LOCKED`,
    [now, queue, limit],
  );
  return result.rows.map((row) => row.id);
}

export async function reassignJob(tx: Queryable, id: string, jobId: string, now: Date): Promise<void> {
  await tx.query('UPDATE notification SET job_id = $2, updated_at = $3 WHERE id = $1', [id, jobId, now]);
}
