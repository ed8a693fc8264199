/**
 * A patient cancels or reschedules their own appointment: re-read under lock, the online-change
 * rules, the slots and the event, all in one transaction. Patient binding happened before (it
 * audits, so it cannot run inside the transaction); the lock re-checks the patient. An appointment
 * the hospital's EPR booked is changed by asking the EPR (hospital-changes.ts), after the same rules.
 */
import type { Appointment, CodeableConcept, Slot } from '@medplum/fhirtypes';
import type { Queryable } from '../../platform/database/database.js';
import { forbidden, Problem } from '../../platform/errors/problem.js';
import { patientOf } from '../../platform/fhir/patient-compartment.js';
import { readCurrent, updateResource, type WriteResult } from '../../platform/fhir/store/repository.js';
import { requestFromHospital } from './hospital-changes.js';
import { eprIdentifier, unlinkedRefusal, waitingRequestRefusal } from './hospital-requests.js';
import {
  cancelled,
  heldSlotIds,
  type PatientChangeContext,
  patientChangeRefusal,
  rescheduled,
  rescheduleRefusal,
  slotIds,
} from './rules.js';
import { emitAppointmentChanged, freeSlots, lockSlots, occupySlots, pick } from './slots.js';

async function lockOwnAppointment(
  tx: Queryable,
  id: string,
  patient: string,
  context: PatientChangeContext,
): Promise<Appointment> {
  const stored = await readCurrent(tx, 'Appointment', id, { forUpdate: true });
  if (!stored) throw new Problem('NOT_FOUND', `Appointment/${id} not found`);
  if (stored.deleted) throw new Problem('GONE', `Appointment/${id} was deleted`);
  const appointment = JSON.parse(stored.content) as Appointment;
  if (patientOf(appointment) !== patient) throw forbidden('You can only change your own appointments');
  const refusal =
    patientChangeRefusal(appointment, context) ??
    unlinkedRefusal(appointment, context.eprLinked === true) ??
    waitingRequestRefusal(appointment);
  if (refusal) throw refusal;
  return appointment;
}

export async function cancelAppointment(
  tx: Queryable,
  id: string,
  patient: string,
  reason: CodeableConcept | undefined,
  context: PatientChangeContext,
): Promise<WriteResult> {
  const appointment = await lockOwnAppointment(tx, id, patient, context);
  const filler = eprIdentifier(appointment);
  if (filler)
    return requestFromHospital(tx, appointment, filler, patient, { kind: 'cancel', reason }, context.now);
  const held = heldSlotIds(appointment);
  const slots = await lockSlots(tx, held, [], 'Appointment.slot');
  const result = await updateResource(tx, 'Appointment', id, cancelled(appointment, reason));
  await freeSlots(tx, pick(slots, held));
  await emitAppointmentChanged(tx, result.resource as Appointment, patient, 'cancelled', 'patient');
  return result;
}

export async function rescheduleAppointment(
  tx: Queryable,
  id: string,
  patient: string,
  targetSlotId: string,
  context: PatientChangeContext,
): Promise<WriteResult> {
  const appointment = await lockOwnAppointment(tx, id, patient, context);
  const current = slotIds(appointment);
  const slots = await lockSlots(tx, [...current, targetSlotId], [targetSlotId], 'Parameters.parameter');
  const target = slots.get(targetSlotId) as Slot;
  const refusal = rescheduleRefusal(appointment, pick(slots, current), target, context);
  if (refusal) throw refusal;
  const filler = eprIdentifier(appointment);
  if (filler) {
    return requestFromHospital(
      tx,
      appointment,
      filler,
      patient,
      { kind: 'reschedule', slot: target },
      context.now,
    );
  }
  const result = await updateResource(tx, 'Appointment', id, rescheduled(appointment, target));
  await freeSlots(tx, pick(slots, heldSlotIds(appointment)));
  await occupySlots(tx, [target]);
  await emitAppointmentChanged(tx, result.resource as Appointment, patient, 'rescheduled', 'patient');
  return result;
}
