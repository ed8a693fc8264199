/**
 * Starting the next issue of an eRD prescription (I/O): under the caller's row lock, through the
 * state machine, with the issue's expiry (the authorisation's) and a `prescription-issue-available`
 * event. Used by the repeat-issue job and by a release that finds the next issue due.
 */
import type { Queryable } from '../../platform/database/database.js';
import { emit } from '../../platform/outbox/outbox.js';
import { transition } from '../status/state-machine.js';
import { findPrescription, type PrescriptionRecord, saveState } from '../store/prescriptions.js';
import { nextIssueRefusal } from './repeat-state.js';

/** True when `record`'s next issue may start at `now` (or its authorisation just ran out). */
export function issueDue(record: PrescriptionRecord, now: Date): boolean {
  const repeat = record.state.repeat;
  if (!repeat?.nextIssueFrom || repeat.ended) return false;
  const refusal = nextIssueRefusal(repeat, record.status, now);
  return refusal === undefined || refusal === 'authorisation-expired';
}

/**
 * Starts the next issue of the locked `record` when it is due; returns the record as saved, or
 * the record unchanged when nothing was due.
 */
export async function startDueIssue(
  tx: Queryable,
  record: PrescriptionRecord,
  now: Date,
): Promise<PrescriptionRecord> {
  if (!issueDue(record, now)) return record;
  const result = transition(record.state, { type: 'next-issue', at: now.toISOString() });
  const repeat = result.state.repeat!;
  if (result.ended) {
    await saveState(tx, record, result.state);
  } else {
    await saveState(tx, record, result.state, {
      expiresAt: new Date(repeat.authorisedUntil),
      newIssue: true,
    });
    await emit(tx, {
      type: 'prescription-issue-available',
      key: record.shortFormId,
      payload: {
        prescriptionId: record.shortFormId,
        ...(record.patient ? { patient: record.patient } : {}),
        issue: repeat.issue,
        issues: repeat.issues,
        ...(record.nominatedPharmacy ? { nominatedPharmacy: record.nominatedPharmacy } : {}),
      },
    });
  }
  return (await findPrescription(tx, record.shortFormId, { forUpdate: true }))!;
}

/** The repeat-issue job: starts every issue that has become due (SKIP LOCKED shares the work). */
export async function startDueIssues(
  db: { transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> },
  options: { now?: Date; batchSize?: number } = {},
): Promise<number> {
  const now = options.now ?? new Date();
  const batchSize = options.batchSize ?? 200;
  let started = 0;
  for (;;) {
    const done = await db.transaction(async (tx) => {
      const due = await tx.query<{ short_form_id: string }>(
        `SELECT short_form_id FROM prescription WHERE next_issue_at <= $1
         ORDER BY next_issue_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [now, batchSize],
      );
      for (const { short_form_id: shortFormId } of due.rows) {
        const record = await findPrescription(tx, shortFormId, { forUpdate: true, summary: true });
        if (record) await startDueIssue(tx, record, now);
      }
      return due.rows.length;
    });
    started += done;
    if (done < batchSize) return started;
  }
}
