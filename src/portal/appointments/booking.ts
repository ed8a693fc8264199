/**
 * How an Appointment is written through the generic FHIR routes [clinician, admin], declared to
 * the platform: the slots it takes or gives back and the patient's `appointment-changed` event,
 * in the write's transaction — for a create, an update and a delete alike (a deleted appointment
 * gives its slots back and, when upcoming, is a cancellation to the patient). The hospital feed
 * (`hl7`, a system writer) books, moves and cancels the EPR's appointments through these same rules.
 */
import type { Appointment } from '@medplum/fhirtypes';
import { invalid } from '../../platform/errors/problem.js';
import { patientOf } from '../../platform/fhir/patient-compartment.js';
import { validateResource } from '../../platform/fhir/validation/index.js';
import type { WriteRules } from '../../platform/fhir/write-rules.js';
import { PORTAL_POLICIES, PORTAL_SYSTEM_WRITERS } from '../policies.js';
import { requestSettled } from './hospital-requests.js';
import {
  appointmentPatient,
  assertSamePatient,
  clinicianChange,
  deletionChange,
  heldSlotIds,
  slotIds,
  withTimesFromSlots,
} from './rules.js';
import { emitAppointmentChanged, freeSlots, lockedSlots, lockSlots, occupySlots, pick } from './slots.js';

/**
 * The body as an Appointment with one patient, before anything is locked (a 400 otherwise). Full
 * validation comes with the write, once start and end may have been taken from the slots.
 */
export function appointmentBody(body: unknown): Appointment {
  if (
    typeof body !== 'object' ||
    body === null ||
    (body as { resourceType?: unknown }).resourceType !== 'Appointment'
  ) {
    throw invalid('The body must be an Appointment', 'resourceType');
  }
  const { participant, slot } = body as { participant?: unknown; slot?: unknown };
  if (!Array.isArray(participant) || (slot !== undefined && !Array.isArray(slot))) {
    validateResource(body); // names the structural problem the way every write does
    throw invalid('Appointment.participant and Appointment.slot must be lists', 'Appointment');
  }
  appointmentPatient(body as Appointment);
  return body as Appointment;
}

const difference = (a: readonly string[], b: readonly string[]) => a.filter((id) => !b.includes(id));

export const appointmentRules: WriteRules<Appointment> = {
  write: PORTAL_POLICIES.manageAppointments,
  systemWriters: PORTAL_SYSTEM_WRITERS,
  audit: 'patient-data',
  events: ['appointment-changed'],
  inTransactionBundle: false,
  parse: appointmentBody,
  /**
   * Locks every slot involved (in id order) and takes start and end from the wanted ones; the
   * slots read are kept for afterWrite (`effects.locked`).
   */
  async beforeWrite(tx, { before, after, agent, effects }) {
    // The EPR is the source of its appointments: its SIU may name another record (and a merge
    // moves them to the survivor); a caller may not move one to another patient by editing it.
    if (before && after && agent.kind === 'caller') assertSamePatient(before, after);
    const wanted = after ? slotIds(after) : [];
    const slots = await lockSlots(
      tx,
      [...wanted, ...(before ? heldSlotIds(before) : [])],
      wanted,
      'Appointment.slot',
    );
    for (const [id, slot] of slots) effects?.locked.set(`Slot/${id}`, slot);
    return after ? withTimesFromSlots(after, pick(slots, wanted)) : undefined;
  },
  /**
   * Gives back the slots no longer held, takes the new ones (409 when taken), tells the patient;
   * the slot versions written are the write's related versions (the feed's Provenance names them).
   */
  async afterWrite(tx, { before, after, agent, effects }) {
    const heldBefore = before ? heldSlotIds(before) : [];
    const heldAfter = after ? heldSlotIds(after) : [];
    const toFree = difference(heldBefore, heldAfter);
    const toTake = difference(heldAfter, heldBefore);
    // Locked by beforeWrite and unchanged since (only the appointment was written in between):
    // as it read them, not read again.
    const slots = await lockedSlots(tx, effects?.locked, [...toFree, ...toTake], 'Appointment.slot');
    const written = [
      ...(await freeSlots(tx, pick(slots, toFree))),
      ...(await occupySlots(tx, pick(slots, toTake))),
    ];
    effects?.related.push(...written);
    const appointment = after ?? before;
    // A version stored before these rules may name no patient: then there is nobody to tell.
    const patient = appointment && patientOf(appointment);
    if (!appointment || !patient) return;
    const change = after ? clinicianChange(before, after) : before && deletionChange(before);
    // The hospital's change that settles the patient's own request to it is the patient's.
    const by = agent.kind === 'system' && requestSettled(before, after) ? 'patient' : 'clinician';
    if (change) await emitAppointmentChanged(tx, appointment, patient, change, by);
  },
};
