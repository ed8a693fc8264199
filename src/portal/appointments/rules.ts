/**
 * Appointment rules (pure): which appointments hold their slots, what a clinician's change means
 * for the patient, and when a patient may cancel or reschedule online.
 */
import type { Appointment, CodeableConcept, Slot } from '@medplum/fhirtypes';
import { Problem } from '../../platform/errors/problem.js';
import { idOfReference, PATIENT_REFERENCE } from '../../platform/fhir/ids.js';
import { patientOf } from '../../platform/fhir/patient-compartment.js';
import { toLondon } from '../../platform/time/london-time.js';
import type { CodeMatcher } from '../settings.js';

export const CLINICIAN_MANAGED_EXTENSION = 'https://fhir.pathways.dev/StructureDefinition/clinician-managed';

/** Statuses in which an appointment occupies its slots. */
const HOLDING: ReadonlySet<string> = new Set(['pending', 'booked', 'arrived', 'fulfilled', 'checked-in']);
/** Statuses a patient may still cancel or reschedule from. */
const PATIENT_CHANGEABLE: ReadonlySet<string> = new Set(['pending', 'booked']);

export type AppointmentChange = 'booked' | 'cancelled' | 'rescheduled';

export function holdsSlots(appointment: Appointment): boolean {
  return HOLDING.has(appointment.status);
}

/** Ids of the Slots an appointment refers to (literal `Slot/<id>` references). */
export function slotIds(appointment: Appointment): string[] {
  return (appointment.slot ?? []).flatMap((slot) => {
    const id = idOfReference(slot?.reference, 'Slot');
    return id ? [id] : [];
  });
}

/** The slots this appointment occupies in its current status. */
export function heldSlotIds(appointment: Appointment): string[] {
  return holdsSlots(appointment) ? slotIds(appointment) : [];
}

/** `Patient/<id>` of the one patient participant, or a 400 explaining what is wrong. */
export function appointmentPatient(appointment: Appointment): string {
  const patients = (appointment.participant ?? []).filter((participant) =>
    PATIENT_REFERENCE.test(participant?.actor?.reference ?? ''),
  );
  if (patients.length !== 1) {
    throw new Problem(
      'INVALID_VALUE',
      'An appointment needs exactly one participant who is a Patient (Patient/<id>)',
      {
        expression: 'Appointment.participant',
      },
    );
  }
  return patients[0]!.actor!.reference!;
}

/** Start and end taken from the slots when the appointment leaves them out. */
export function withTimesFromSlots(appointment: Appointment, slots: readonly Slot[]): Appointment {
  if (slots.length === 0 || (appointment.start && appointment.end)) return appointment;
  const starts = slots.map((slot) => slot.start).sort();
  const ends = slots.map((slot) => slot.end).sort();
  return {
    ...appointment,
    start: appointment.start ?? starts[0],
    end: appointment.end ?? ends[ends.length - 1],
  };
}

/** What a clinician's write means to the patient: the event to emit, or none. */
export function clinicianChange(
  before: Appointment | undefined,
  after: Appointment,
): AppointmentChange | undefined {
  const wasActive = before !== undefined && isUpcoming(before);
  const isActive = isUpcoming(after);
  if (!wasActive && isActive) return 'booked';
  if (wasActive && !isActive) return after.status === 'cancelled' ? 'cancelled' : undefined;
  if (!wasActive || !isActive) return undefined;
  const moved =
    before.start !== after.start || slotIds(before).sort().join() !== slotIds(after).sort().join();
  return moved ? 'rescheduled' : undefined;
}

/** What deleting an appointment means to the patient: an upcoming one is cancelled. */
export function deletionChange(before: Appointment): AppointmentChange | undefined {
  return isUpcoming(before) ? 'cancelled' : undefined;
}

function isUpcoming(appointment: Appointment): boolean {
  return appointment.status === 'booked' || appointment.status === 'pending';
}

/** A patient may not move an appointment to another patient; nor may a clinician by editing it. */
export function assertSamePatient(before: Appointment, after: Appointment): void {
  if (patientOf(before) !== appointmentPatient(after)) {
    throw new Problem(
      'INVALID_VALUE',
      'The patient of an appointment cannot change: cancel it and book a new one for the other patient',
      { expression: 'Appointment.participant' },
    );
  }
}

function hasType(appointment: Appointment, types: readonly CodeMatcher[]): boolean {
  return (appointment.appointmentType?.coding ?? []).some((coding) =>
    types.some(
      (type) => type.code === coding.code && (type.system === undefined || type.system === coding.system),
    ),
  );
}

export function isClinicianManaged(appointment: Appointment, managedTypes: readonly CodeMatcher[]): boolean {
  const marked = (appointment.extension ?? []).some(
    (extension) => extension.url === CLINICIAN_MANAGED_EXTENSION && extension.valueBoolean === true,
  );
  return marked || hasType(appointment, managedTypes);
}

/** Whether an instant falls on a Saturday or Sunday in the UK (clinics keep London time). */
export function isWeekendInLondon(instant: string): boolean {
  const time = Date.parse(instant);
  if (Number.isNaN(time)) return false;
  const { weekday } = toLondon(new Date(time));
  return weekday === 0 || weekday === 6;
}

/**
 * Whether the patient may move this appointment to `slot`'s time as far as the day goes: an
 * outpatient appointment (one of `weekdayOnlyTypes`) only to a weekday, whatever slots exist.
 */
export function dayAllowed(
  appointment: Appointment,
  slot: Slot,
  weekdayOnlyTypes: readonly CodeMatcher[],
): boolean {
  return !(hasType(appointment, weekdayOnlyTypes) && isWeekendInLondon(slot.start));
}

export interface PatientChangeContext {
  now: Date;
  /** APPOINTMENT_CHANGE_CUTOFF_S */
  cutoffS: number;
  managedTypes: readonly CodeMatcher[];
  /** APPOINTMENT_WEEKDAY_ONLY_TYPES */
  weekdayOnlyTypes: readonly CodeMatcher[];
  /** EPR_MLLP_URL is set (changes to the EPR's appointments can be sent); false when left out. */
  eprLinked?: boolean;
}

const refuse = (diagnostics: string, expression: string) =>
  new Problem('INVALID_STATE_TRANSITION', diagnostics, { expression });

/**
 * Why the patient may not cancel or reschedule this appointment online, or undefined when they
 * may. The expression tells a client which rule refused: status, type or start.
 */
export function patientChangeRefusal(
  appointment: Appointment,
  context: PatientChangeContext,
): Problem | undefined {
  if (appointment.status === 'cancelled')
    return refuse('This appointment is already cancelled', 'Appointment.status');
  if (!PATIENT_CHANGEABLE.has(appointment.status)) {
    return refuse(`A ${appointment.status} appointment cannot be changed online`, 'Appointment.status');
  }
  if (isClinicianManaged(appointment, context.managedTypes)) {
    return refuse(
      'This appointment is managed by the clinic: contact them to change it',
      'Appointment.appointmentType',
    );
  }
  const start = appointment.start ? Date.parse(appointment.start) : Number.NaN;
  if (Number.isNaN(start)) return refuse('This appointment has no start time to change', 'Appointment.start');
  const now = context.now.getTime();
  if (start <= now) return refuse('This appointment is in the past', 'Appointment.start');
  if (start - now < context.cutoffS * 1000) {
    const hours = Math.round(context.cutoffS / 3600);
    return refuse(
      `Appointments cannot be changed online less than ${hours} hours before they start: contact the clinic`,
      'Appointment.start',
    );
  }
  return undefined;
}

export function cancelled(appointment: Appointment, reason: CodeableConcept | undefined): Appointment {
  return { ...appointment, status: 'cancelled', ...(reason ? { cancelationReason: reason } : {}) };
}

/** The schedule a slot belongs to (`Schedule/<id>`). */
export function scheduleOf(slot: Slot): string | undefined {
  return slot.schedule?.reference;
}

export function notBookedInSlot(): Problem {
  return refuse(
    'This appointment was not booked in a slot: contact the clinic to move it',
    'Appointment.slot',
  );
}

/** Why `target` cannot replace the appointment's current slots, or undefined when it can. */
export function rescheduleRefusal(
  appointment: Appointment,
  current: readonly Slot[],
  target: Slot,
  context: Pick<PatientChangeContext, 'now' | 'weekdayOnlyTypes'>,
): Problem | undefined {
  const now = context.now;
  if (current.length === 0) return notBookedInSlot();
  if (current.some((slot) => slot.id === target.id)) {
    return new Problem('INVALID_VALUE', 'The appointment is already in this slot', {
      expression: 'Parameters.parameter',
    });
  }
  const schedules = new Set(current.map(scheduleOf));
  if (!schedules.has(scheduleOf(target)) || schedules.size !== 1) {
    return new Problem('INVALID_VALUE', 'The new slot must belong to the same schedule as the appointment', {
      expression: 'Parameters.parameter',
    });
  }
  if (target.status !== 'free') return new Problem('CONFLICT', 'That slot is no longer free: choose another');
  if (Date.parse(target.start) <= now.getTime()) {
    return new Problem('INVALID_VALUE', 'The new slot has already started', {
      expression: 'Parameters.parameter',
    });
  }
  if (!dayAllowed(appointment, target, context.weekdayOnlyTypes)) {
    return new Problem(
      'INVALID_VALUE',
      'Outpatient clinics do not run at weekends: choose a slot on a weekday',
      { expression: 'Parameters.parameter' },
    );
  }
  return undefined;
}

export function rescheduled(appointment: Appointment, target: Slot): Appointment {
  return { ...appointment, slot: [{ reference: `Slot/${target.id}` }], start: target.start, end: target.end };
}
