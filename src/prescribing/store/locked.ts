import type { Database, Queryable } from '../../platform/database/database.js';
import { Problem } from '../../platform/errors/problem.js';
import { findPrescription, type PrescriptionRecord } from './prescriptions.js';

/**
 * Runs `change` in one transaction that holds the prescription's row lock from the first
 * statement, so that concurrent changes to one prescription serialise (each then goes through
 * `transition` and `saveState`). One that does not exist is PRESCRIPTION_NOT_FOUND, before `change`.
 * `summary` reads the state without the signed Bundle (enough for every step but release).
 */
export function withPrescriptionLocked<T>(
  db: Database,
  shortFormId: string,
  change: (tx: Queryable, record: PrescriptionRecord) => Promise<T>,
  options: { summary?: boolean } = { summary: true },
): Promise<T> {
  return db.transaction(async (tx) => {
    const record = await findPrescription(tx, shortFormId, { forUpdate: true, summary: options.summary });
    if (!record) throw new Problem('PRESCRIPTION_NOT_FOUND', `Prescription ${shortFormId} was not found`);
    return change(tx, record);
  });
}
