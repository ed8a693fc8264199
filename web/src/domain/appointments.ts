/**
 * A patient's appointments as the portal shows them: upcoming (soonest first) and past or
 * cancelled (latest first). Whether a change is still allowed is the server's decision (the cut-off
 * before the start and clinician-managed types are its settings); the portal offers a change only
 * where one could possibly be allowed and shows the server's reason when it is refused.
 */
import type { Appointment, Slot } from '@medplum/fhirtypes';

export const LAST_REMINDED_AT = 'https://fhir.pathways.dev/StructureDefinition/last-reminded-at';

export interface AppointmentView {
  id: string;
  title: string;
  start: string | undefined;
  end: string | undefined;
  where: string | undefined;
  status: Appointment['status'];
  statusText: string;
  cancellationReason: string | undefined;
  lastRemindedAt: string | undefined;
  /** Booked and still in the future: cancel and reschedule are offered. */
  changeable: boolean;
}

const STATUS_TEXT: Record<Appointment['status'], string> = {
  proposed: 'Proposed',
  pending: 'Waiting to be confirmed',
  booked: 'Booked',
  arrived: 'Arrived',
  fulfilled: 'Attended',
  cancelled: 'Cancelled',
  noshow: 'Missed',
  'entered-in-error': 'Removed',
  'checked-in': 'Checked in',
  waitlist: 'On the waiting list',
};

const ACTIVE: ReadonlySet<string> = new Set([
  'proposed',
  'pending',
  'booked',
  'arrived',
  'checked-in',
  'waitlist',
]);

function titleOf(appointment: Appointment): string {
  return (
    appointment.description ??
    appointment.serviceType?.[0]?.text ??
    appointment.serviceType?.[0]?.coding?.[0]?.display ??
    appointment.appointmentType?.text ??
    appointment.appointmentType?.coding?.[0]?.display ??
    'Appointment'
  );
}

function whereOf(appointment: Appointment): string | undefined {
  for (const participant of appointment.participant ?? []) {
    const actor = participant.actor;
    if (actor?.reference?.startsWith('Location/') || actor?.reference?.startsWith('HealthcareService/')) {
      if (actor.display) return actor.display;
    }
  }
  return undefined;
}

export function appointmentView(appointment: Appointment, now: Date): AppointmentView {
  const start = appointment.start;
  const future = start !== undefined && new Date(start).getTime() > now.getTime();
  return {
    id: appointment.id ?? '',
    title: titleOf(appointment),
    start,
    end: appointment.end,
    where: whereOf(appointment),
    status: appointment.status,
    statusText: STATUS_TEXT[appointment.status] ?? appointment.status,
    cancellationReason:
      appointment.status === 'cancelled'
        ? (appointment.cancelationReason?.text ?? appointment.cancelationReason?.coding?.[0]?.display)
        : undefined,
    lastRemindedAt: appointment.extension?.find((extension) => extension.url === LAST_REMINDED_AT)
      ?.valueDateTime,
    changeable: appointment.status === 'booked' && future,
  };
}

export function splitAppointments(
  appointments: readonly Appointment[],
  now: Date,
): { upcoming: AppointmentView[]; past: AppointmentView[] } {
  const views = appointments.map((appointment) => appointmentView(appointment, now));
  const isUpcoming = (view: AppointmentView) =>
    ACTIVE.has(view.status) && (view.start === undefined || new Date(view.start).getTime() > now.getTime());
  const byStart = (a: AppointmentView, b: AppointmentView) => (a.start ?? '').localeCompare(b.start ?? '');
  return {
    upcoming: views.filter(isUpcoming).sort(byStart),
    past: views.filter((view) => !isUpcoming(view)).sort((a, b) => byStart(b, a)),
  };
}

export interface SlotChoice {
  id: string;
  start: string | undefined;
  end: string | undefined;
}

/** Free slots to move to, soonest first, without the one the appointment already has. */
export function slotChoices(slots: readonly Slot[], current: Appointment | undefined): SlotChoice[] {
  const held = new Set((current?.slot ?? []).map((reference) => reference.reference));
  return slots
    .filter((slot) => slot.status === 'free' && !held.has(`Slot/${slot.id}`))
    .map((slot) => ({ id: slot.id ?? '', start: slot.start, end: slot.end }))
    .sort((a, b) => (a.start ?? '').localeCompare(b.start ?? ''));
}
