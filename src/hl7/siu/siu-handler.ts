/**
 * SIU S12 (booked) S13 (rescheduled) S14 (modified) S15 (cancelled) S17 (deleted) S26 (no-show)
 * → Appointment, with the Location (AIL), Schedule and Slot it is in. Keyed by the EPR's
 * appointment id (SCH-2, else SCH-1) with its assigning authority as the system, so a resend or a
 * later event updates the same Appointment; a message older than what is stored is skipped.
 *
 * A patient the store does not know is created from PID, as ORU and ORM do (and A04 would): a
 * booking that arrives before the PAS's registration is still the patient's booking, and a dead
 * letter for a feed race would hide it from them until an admin re-drives it.
 *
 * The Appointment is written through the portal's booking rules (as the feed's system writer):
 * they take and give back its Slot and tell the patient (`appointment-changed`), exactly as for a
 * clinician's booking, so this handler keeps the Slot's times and leaves its status to them.
 */
import type { Appointment, Location, Schedule, Slot } from '@medplum/fhirtypes';
import { hospitalRequestOf, settledBy, withHospitalRequest } from '../../portal/index.js';
import { upsertPatient } from '../adt/patient-store.js';
import { type HandlerContext, type MessageHandler, segment, segments } from '../handler.js';
import { findByIdentifier, isStale, lockKey, readStored, writeResource } from '../inbox/resource-writer.js';
import { contentError } from '../message/hl7-error.js';
import { sameContent } from '../same-content.js';
import {
  type AppointmentFacts,
  applyAppointmentFacts,
  appointmentFacts,
  locationOf,
  SIU_TRIGGERS,
  scheduleOf,
  slotOf,
} from './appointment-mapping.js';

/** Creates or updates the resource found by its identifier, unless it is unchanged. */
async function upsertByIdentifier<T extends Location | Schedule | Slot>(
  context: HandlerContext,
  type: T['resourceType'],
  identifier: { system?: string; value?: string },
  build: (stored: T | undefined) => T,
): Promise<T & { id: string }> {
  const stored = await findByIdentifier<T>(context.tx, type, identifier.system!, identifier.value!);
  const next = build(stored);
  if (stored?.id && sameContent(stored, next)) return stored as T & { id: string };
  return writeResource(context, next);
}

async function writePlaces(
  context: HandlerContext,
  facts: AppointmentFacts,
): Promise<{ location?: { reference: string; display: string }; schedule?: string }> {
  let location: { reference: string; display: string } | undefined;
  if (facts.location) {
    const place = facts.location;
    const written = await upsertByIdentifier<Location>(context, 'Location', place.identifier, (stored) =>
      locationOf(stored, place, facts.phone),
    );
    location = { reference: `Location/${written.id}`, display: place.name };
  }
  if (!facts.schedule) return location ? { location } : {};
  const place = facts.schedule;
  const actor = facts.location ? location?.reference : undefined;
  const schedule = await upsertByIdentifier<Schedule>(context, 'Schedule', place.identifier, (stored) =>
    scheduleOf(stored, place, actor, facts.service),
  );
  return { ...(location ? { location } : {}), schedule: `Schedule/${schedule.id}` };
}

/**
 * The free slot the patient asked to move to, once the EPR's S13 moved the appointment to its
 * time: busy from now on, so nobody else is offered it. (A different time leaves it free.)
 */
async function takeRequestedSlot(
  context: HandlerContext,
  reference: string,
  appointment: Appointment,
): Promise<void> {
  const slot = await readStored<Slot>(context.tx, reference);
  if (slot?.id && slot.status === 'free' && slot.start === appointment.start) {
    await writeResource(context, { ...slot, status: 'busy' });
  }
}

export const siuHandler: MessageHandler = {
  messageType: 'SIU',
  triggers: new Set(SIU_TRIGGERS),
  async apply(context) {
    const { parsed, tx } = context;
    const trigger = parsed.header.triggerEvent;
    const sch = segment(parsed, 'SCH');
    if (!sch) throw contentError('The SCH segment is missing', { segment: 'SCH' });
    const facts = appointmentFacts(
      {
        sch,
        tq1: segment(parsed, 'TQ1'),
        ais: segments(parsed, 'AIS'),
        ail: segments(parsed, 'AIL'),
        aig: segments(parsed, 'AIG'),
        aip: segments(parsed, 'AIP'),
      },
      trigger,
      context.facility,
    );
    const patient = await upsertPatient(context, { demographics: false });
    await lockKey(tx, `Appointment|${facts.filler.system}|${facts.filler.value}`);
    const stored = await findByIdentifier<Appointment>(
      tx,
      'Appointment',
      facts.filler.system!,
      facts.filler.value!,
    );
    if (stored?.id && (await isStale(tx, `Appointment/${stored.id}`, context.eventTime))) return;
    // An S15 or S17 for an appointment we never heard of is still stored (cancelled, removed): its
    // key then makes a late S12 for it stale instead of bringing it back.
    const places = await writePlaces(context, facts);
    const existingSlot = stored?.slot?.[0]?.reference;
    let appointment = applyAppointmentFacts(stored, facts, {
      patient: `Patient/${patient.id}`,
      ...(places.location ? { location: places.location } : {}),
      ...(existingSlot ? { slot: existingSlot } : {}),
      confirmedAt: context.eventTime,
    });
    const request = hospitalRequestOf(appointment);
    const settled = settledBy(request, trigger);
    if (settled) appointment = withHospitalRequest(appointment, undefined);
    if (settled && request?.slot) await takeRequestedSlot(context, request.slot, appointment);
    const schedule = places.schedule;
    const booked = appointment;
    if (schedule && slotOf(undefined, booked, facts.filler, schedule)) {
      const slot = await upsertByIdentifier<Slot>(
        context,
        'Slot',
        facts.filler,
        (storedSlot) => slotOf(storedSlot, booked, facts.filler, schedule)!,
      );
      appointment = { ...appointment, slot: [{ reference: `Slot/${slot.id}` }] };
    }
    // The booking rules tell the patient of the hospital's bookings, cancellations and moves as
    // of the clinic's own (`appointment-changed`); one settling their own request is theirs.
    await writeResource(context, appointment);
  },
};
