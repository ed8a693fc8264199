/**
 * Applying a dispense-notification: the pharmacy holding the prescription reports what it
 * supplied; the state machine checks the transition and the cumulative quantity (the row lock
 * makes racing notifications add up one after the other, never past the prescribed quantity).
 * A notification with the identifier of an earlier one amends it; the same one again changes
 * nothing.
 */
import type { Bundle } from '@medplum/fhirtypes';
import type { Principal } from '../../platform/auth/principal.js';
import type { Database } from '../../platform/database/database.js';
import { forbidden, Problem } from '../../platform/errors/problem.js';
import { validateResource } from '../../platform/fhir/validation/index.js';
import { emit } from '../../platform/outbox/outbox.js';
import type { PrescriptionStatus } from '../../prescribing/status/codes.js';
import { transition } from '../../prescribing/status/state-machine.js';
import { findPrescription, saveState } from '../../prescribing/store/prescriptions.js';
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
  const bundle = validateResource(input) as Bundle;
  const { shortFormId, record: notification } = parseDispenseNotification(bundle);
  const pharmacy = caller.org;
  if (!pharmacy) throw forbidden('Dispensing needs a token issued for the pharmacy');
  return db.transaction(async (tx) => {
    const record = await findPrescription(tx, shortFormId, { forUpdate: true, summary: true });
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
    await saveState(tx, record, state, { dispensedNow: true });
    await emit(tx, {
      type: 'dispense-notification',
      key: shortFormId,
      payload: {
        prescriptionId: shortFormId,
        ...(record.patient ? { patient: record.patient } : {}),
        pharmacy,
        status: state.status,
        ...(state.repeat ? { issue: state.repeat.issue } : {}),
        resource: input,
      },
    });
    return { shortFormId, patient: record.patient, status: state.status, changed: true };
  });
}
