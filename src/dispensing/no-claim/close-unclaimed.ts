/**
 * The no-claim job: a prescription dispensed (0006, 0007) or part-dispensed with a notification
 * (0003) whose last dispensing change is older than the claim period becomes 0009 (No-Claimed)
 * through the state machine. SKIP LOCKED lets replicas share the work.
 */
import type { Database, Queryable } from '../../platform/database/database.js';
import { emit } from '../../platform/outbox/outbox.js';
import { findPrescription, saveState, transition } from '../../prescribing/index.js';

export async function closeUnclaimed(
  db: Database,
  options: { periodDays: number; now?: Date; batchSize?: number },
): Promise<number> {
  const cutoff = new Date((options.now ?? new Date()).getTime() - options.periodDays * 86_400_000);
  const batchSize = options.batchSize ?? 200;
  let closed = 0;
  for (;;) {
    const done = await db.transaction(async (tx) => {
      const due = await tx.query<{ short_form_id: string }>(
        `SELECT short_form_id FROM prescription
         WHERE status IN ('0003', '0006', '0007') AND last_dispensed_at < $1
         ORDER BY last_dispensed_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [cutoff, batchSize],
      );
      for (const { short_form_id: shortFormId } of due.rows) {
        const record = await findPrescription(tx, shortFormId, { forUpdate: true, summary: true });
        if (!record || record.state.dispenses.length === 0) continue;
        const { state, issue } = transition(record.state, { type: 'no-claim' });
        await saveState(tx, record, state);
        await emitNoClaim(
          tx,
          shortFormId,
          record.patient,
          record.dispenser,
          state.repeat ? issue : undefined,
        );
      }
      return due.rows.length;
    });
    closed += done;
    if (done < batchSize) return closed + (await closeEarlierIssues(db, cutoff, batchSize));
  }
}

/** eRD issues before the current one, dispensed before `cutoff` and never claimed: each → 0009. */
async function closeEarlierIssues(db: Database, cutoff: Date, batchSize: number): Promise<number> {
  let closed = 0;
  for (;;) {
    const done = await db.transaction(async (tx) => {
      const due = await tx.query<{ short_form_id: string }>(
        `SELECT short_form_id FROM prescription WHERE earlier_unclaimed_since < $1
         ORDER BY earlier_unclaimed_since LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [cutoff, batchSize],
      );
      for (const { short_form_id: shortFormId } of due.rows) {
        let record = await findPrescription(tx, shortFormId, { forUpdate: true, summary: true });
        const issues = (record?.state.repeat?.earlier ?? []).filter(
          (issue) =>
            (issue.status === '0006' || issue.status === '0007') &&
            issue.dispensedAt !== undefined &&
            new Date(issue.dispensedAt) < cutoff,
        );
        for (const issue of issues) {
          const { state } = transition(record!.state, { type: 'no-claim', issue: issue.issue });
          await saveState(tx, record!, state);
          record = { ...record!, state, version: record!.version + 1 };
          await emitNoClaim(tx, shortFormId, record.patient, issue.dispenser, issue.issue);
          closed += 1;
        }
      }
      return due.rows.length;
    });
    if (done < batchSize) return closed;
  }
}

async function emitNoClaim(
  tx: Queryable,
  shortFormId: string,
  patient: string | undefined,
  pharmacy: string | undefined,
  issue: number | undefined,
): Promise<void> {
  await emit(tx, {
    type: 'prescription-no-claim',
    key: shortFormId,
    payload: {
      prescriptionId: shortFormId,
      ...(patient ? { patient } : {}),
      pharmacy,
      ...(issue !== undefined ? { issue } : {}),
    },
  });
}
