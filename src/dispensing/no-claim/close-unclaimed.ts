/**
 * The no-claim job: a prescription dispensed (0006, 0007) or part-dispensed with a notification
 * (0003) whose last dispensing change is older than the claim period becomes 0009 (No-Claimed)
 * through the state machine. SKIP LOCKED lets replicas share the work.
 */
import type { Database } from '../../platform/database/database.js';
import { emit } from '../../platform/outbox/outbox.js';
import { transition } from '../../prescribing/status/state-machine.js';
import { findPrescription, saveState } from '../../prescribing/store/prescriptions.js';

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
        const { state } = transition(record.state, { type: 'no-claim' });
        await saveState(tx, record, state);
        await emit(tx, {
          type: 'prescription-no-claim',
          key: shortFormId,
          payload: {
            prescriptionId: shortFormId,
            ...(record.patient ? { patient: record.patient } : {}),
            pharmacy: record.dispenser,
          },
        });
      }
      return due.rows.length;
    });
    closed += done;
    if (done < batchSize) return closed;
  }
}
