/**
 * The expiry job: prescriptions still at 0001 or 0002 past their expiry (6 months from validity
 * start, 28 days for controlled drugs) become 0004 through the state machine, with a
 * `prescription-expired` event. Batches are claimed with SKIP LOCKED, so replicas running the job
 * at once share the work and a prescription being released or cancelled is simply left for the
 * next run.
 */
import type { Database } from '../../platform/database/database.js';
import { emit } from '../../platform/outbox/outbox.js';
import { transition } from '../status/state-machine.js';
import { findPrescription, saveState } from '../store/prescriptions.js';

export async function expirePrescriptions(
  db: Database,
  options: { now?: Date; batchSize?: number } = {},
): Promise<number> {
  const now = options.now ?? new Date();
  const batchSize = options.batchSize ?? 200;
  let expired = 0;
  for (;;) {
    const done = await db.transaction(async (tx) => {
      const due = await tx.query<{ short_form_id: string }>(
        `SELECT short_form_id FROM prescription WHERE status IN ('0001', '0002') AND expires_at <= $1
         ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [now, batchSize],
      );
      for (const { short_form_id: shortFormId } of due.rows) {
        const record = await findPrescription(tx, shortFormId, { forUpdate: true, summary: true });
        if (!record) continue;
        const { state } = transition(record.state, { type: 'expire' });
        await saveState(tx, record, state);
        await emit(tx, {
          type: 'prescription-expired',
          key: shortFormId,
          payload: { prescriptionId: shortFormId, ...(record.patient ? { patient: record.patient } : {}) },
        });
      }
      return due.rows.length;
    });
    expired += done;
    if (done < batchSize) return expired;
  }
}
