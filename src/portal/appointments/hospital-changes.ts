/**
 * A patient's change to an appointment the EPR booked: recorded on the Appointment as a request
 * and announced (`appointment-change-requested`, in the same transaction) for the HL7 capability
 * to send to the EPR. The appointment itself, and its slots, change only when the EPR's SIU says so.
 */
import { randomUUID } from 'node:crypto';
import type { Appointment, CodeableConcept, Identifier, Slot } from '@medplum/fhirtypes';
import type { Queryable } from '../../platform/database/database.js';
import { updateResource, type WriteResult } from '../../platform/fhir/store/repository.js';
import { emit } from '../../platform/outbox/outbox.js';
import { type HospitalChange, withHospitalRequest } from './hospital-requests.js';

export async function requestFromHospital(
  tx: Queryable,
  appointment: Appointment & { id?: string },
  filler: Identifier,
  patient: string,
  change: { kind: HospitalChange; reason?: CodeableConcept | undefined; slot?: Slot | undefined },
  now: Date,
): Promise<WriteResult> {
  const event = randomUUID();
  const requestedAt = now.toISOString();
  const slot = change.slot ? `Slot/${change.slot.id}` : undefined;
  const result = await updateResource(
    tx,
    'Appointment',
    appointment.id!,
    withHospitalRequest(appointment, {
      change: change.kind,
      state: 'sent',
      event,
      requestedAt,
      ...(slot ? { slot } : {}),
    }),
  );
  const reference = `Appointment/${appointment.id}`;
  await emit(tx, {
    id: event,
    type: 'appointment-change-requested',
    key: reference,
    payload: {
      patient,
      appointment: reference,
      change: change.kind,
      filler: { system: filler.system ?? '', value: filler.value ?? '' },
      start: appointment.start ?? null,
      end: appointment.end ?? null,
      slot: slot ?? null,
      newStart: change.slot?.start ?? null,
      newEnd: change.slot?.end ?? null,
      reason: change.reason?.text ?? change.reason?.coding?.[0]?.display ?? null,
      requestedAt,
    },
  });
  return result;
}
