/**
 * Applying a dispense-notification: the pharmacy holding the prescription reports what it
 * supplied; the state machine checks the transition and the cumulative quantity (the row lock
 * check on the write makes racing notifications add up one after the other, never past the prescribed quantity).
 * A notification with the identifier of an earlier one amends it; the same one again changes
 * nothing.
 */
import type { Bundle } from '@medplum/fhirtypes';
import type { Principal } from '../../platform/auth/principal.js';
import type { Database } from '../../platform/database/database.js';
import { forbidden, Problem } from '../../platform/errors/problem.js';
import {
  changedMeanwhile,
  changeState,
  findPrescription,
  MAX_CHANGE_ATTEMPTS,
  type PrescriptionStatus,
  transition,
} from '../../prescribing/index.js';
import { parseDispenseNotification } from './parse-dispense.js';

export interface DispenseApplied {
  shortFormId: string;
  patient: string | undefined;
  status: PrescriptionStatus;
  changed: boolean;
}

export async function applyDispenseNotification(
  db: Database,
  input: Bundle,
  caller: Principal,
): Promise<DispenseApplied> {
  const { shortFormId, record: notification } = parseDispenseNotification(input);
  const pharmacy = caller.org;
  if (!pharmacy) throw forbidden('Dispensing needs a token issued for the pharmacy');
  // Read without a lock, and written only if nobody changed it meanwhile (changeState): racing
  // notifications still add up one after the other, never past the prescribed quantity.
  for (let attempt = 1; ; attempt++) {
    const record = await findPrescription(db, shortFormId, { summary: true });
    if (!record) throw new Problem('PRESCRIPTION_NOT_FOUND', `Prescription ${shortFormId} was not found`);
    const earlier = record.state.dispenses.find((candidate) => candidate.id === notification.id);
    if (
      earlier &&
      record.state.dispenser === pharmacy &&
      JSON.stringify(earlier.lines) === JSON.stringify(notification.lines)
    ) {
      return { shortFormId, patient: record.patient, status: record.status, changed: false };
    }
    const { state } = transition(record.state, {
      type: 'dispense',
      pharmacy,
      record: notification,
      at: new Date().toISOString(),
    });
    const event = {
      type: 'dispense-notification',
      payload: {
        prescriptionId: shortFormId,
        ...(record.patient ? { patient: record.patient } : {}),
        pharmacy,
        status: state.status,
        ...(state.repeat ? { issue: state.repeat.issue } : {}),
        resource: input,
      },
    };
    if (await changeState(db, record, state, event, { dispensedNow: true })) {
      return { shortFormId, patient: record.patient, status: state.status, changed: true };
    }
    if (attempt >= MAX_CHANGE_ATTEMPTS) throw changedMeanwhile(shortFormId);
  }
}
