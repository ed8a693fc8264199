/**
 * Applying a prescription status update: only the pharmacy holding the prescription (its current
 * issue) may send one, about an item of it; a duplicate is 409 CONFLICT and changes nothing. A
 * "ready to collect" update tells the patient (the `prescription-status-update` event with
 * `notifyPatient`) unless they were told about this prescription within the cool-down.
 */
import type { Principal } from '../../platform/auth/principal.js';
import type { Database } from '../../platform/database/database.js';
import { forbidden, invalid, Problem } from '../../platform/errors/problem.js';
import { emit } from '../../platform/outbox/outbox.js';
import {
  lastNotifiedAt,
  notReleasedToCaller,
  recordStatusUpdate,
  withPrescriptionLocked,
} from '../../prescribing/index.js';
import { notifyPatient, PSU_STATUSES, parseStatusUpdate, type StatusUpdate } from './parse-status-update.js';

export interface StatusUpdateApplied {
  update: StatusUpdate;
  patient: string | undefined;
  notified: boolean;
}

export async function applyStatusUpdate(
  db: Database,
  input: unknown,
  caller: Principal,
  options: { coolDownHours: number; now?: Date },
): Promise<StatusUpdateApplied> {
  const now = options.now ?? new Date();
  const update = parseStatusUpdate(input, now);
  if (!caller.org || caller.org !== update.pharmacy) {
    throw forbidden('A status update can only be sent with a token for the pharmacy it names as owner');
  }
  return withPrescriptionLocked(db, update.shortFormId, async (tx, record) => {
    // The same answer whatever its status: another pharmacy learns nothing about it.
    if (record.state.dispenser !== update.pharmacy) throw notReleasedToCaller();
    if (!record.state.items.some((item) => item.id === update.itemId)) {
      throw invalid(`Item ${update.itemId} is not part of prescription ${update.shortFormId}`, 'Task.focus');
    }
    if (update.patient?.value && update.patient.value !== record.patientValue) {
      throw invalid("Task.for is not this prescription's patient", 'Task.for');
    }
    const notified = notifyPatient(
      update.businessStatus,
      await lastNotifiedAt(tx, update.shortFormId),
      now,
      options.coolDownHours,
    );
    const recorded = await recordStatusUpdate(tx, { ...update, notified });
    if (!recorded) {
      throw new Problem(
        'CONFLICT',
        `Status update ${update.updateId} (or the same status for this item at the same time) was already received`,
      );
    }
    await emit(tx, {
      type: 'prescription-status-update',
      key: update.shortFormId,
      payload: {
        prescriptionId: update.shortFormId,
        ...(record.patient ? { patient: record.patient } : {}),
        pharmacy: update.pharmacy,
        item: `MedicationRequest/${update.itemId}`,
        businessStatus: update.businessStatus,
        text: PSU_STATUSES[update.businessStatus],
        lastModified: update.lastModified.toISOString(),
        notifyPatient: notified,
      },
    });
    return { update, patient: record.patient, notified };
  });
}
