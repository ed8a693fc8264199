/**
 * A nomination follows a merged record (HAZ-MERGE). When the hospital merges two records of one
 * patient (ADT A40/A34/A47), orders go to the survivor (prescribing_store_order picks the active
 * record), so a nomination left on the retired record would be found by no order. What a patient
 * and a pharmacist expect: the survivor inherits the retired record's nomination, unless it has
 * its own, which the patient chose for the record that stays and which stands; either way the
 * retired record keeps none (a later change on the survivor must not leave a stale one behind).
 * The inherited nomination keeps its date, when the patient chose it. Each change is announced as
 * any other (`nomination-changed`), in the merge's transaction.
 */
import type { Queryable } from '../../platform/database/database.js';
import { emit } from '../../platform/outbox/outbox.js';

export interface PatientMerge {
  /** `Patient/<id>` of the retired record and of the survivor. */
  retired: string;
  survivor: string;
}

export async function followMergeNomination(tx: Queryable, merge: PatientMerge): Promise<void> {
  const removed = await tx.query<{ pharmacy: string; changed_at: Date | string }>(
    'DELETE FROM pharmacy_nomination WHERE patient = $1 RETURNING pharmacy, changed_at',
    [merge.retired],
  );
  const nomination = removed.rows[0];
  if (!nomination) return;
  await emit(tx, {
    type: 'nomination-changed',
    key: merge.retired,
    payload: { patient: merge.retired, pharmacy: null, previous: nomination.pharmacy },
  });
  // The survivor's own nomination (even one made while the merge runs) wins: nothing is overwritten.
  const inherited = await tx.query(
    `INSERT INTO pharmacy_nomination (patient, pharmacy, changed_at) VALUES ($1, $2, $3)
     ON CONFLICT (patient) DO NOTHING`,
    [merge.survivor, nomination.pharmacy, new Date(nomination.changed_at).toISOString()],
  );
  if (inherited.rowCount === 0) return;
  await emit(tx, {
    type: 'nomination-changed',
    key: merge.survivor,
    payload: { patient: merge.survivor, pharmacy: nomination.pharmacy, previous: null },
  });
}
