/**
 * A patient's appointments as the portal shows them: upcoming (soonest first) and past or
 * cancelled (latest first). Whether a change is still allowed is the server's decision (the cut-off
 * before the start and clinician-managed types are its settings); the portal offers a change only
 * where one could possibly be allowed and shows the server's reason when it is refused.
 */
import type { Appointment, Location, Slot } from '@medplum/fhirtypes';

export const LAST_REMINDED_AT = 'https://fhir.pathways.dev/StructureDefinition/last-reminded-at';
/** The patient's change waiting for (or refused by) the hospital's EPR, and when the EPR last confirmed. */
export const HOSPITAL_REQUEST = 'https://fhir.pathways.dev/StructureDefinition/hospital-change-request';
export const EPR_CONFIRMED_AT = 'https://fhir.pathways.dev/StructureDefinition/epr-confirmed-at';

/** A change the patient asked the hospital for: waiting for it to confirm, or refused. */
export interface HospitalRequestView {
  refused: boolean;
  text: string;
}

export interface AppointmentView {
  id: string;
  title: string;
  start: string | undefined;
  end: string | undefined;
  where: string | undefined;
  /** The clinic's phone number, to call about the appointment. */
  phone: string | undefined;
  status: Appointment['status'];
  statusText: string;
  cancellationReason: string | undefined;
  lastRemindedAt: string | undefined;
  /** Booked, still in the future, no request waiting: cancel and reschedule are offered. */
  changeable: boolean;
  hospitalRequest: HospitalRequestView | undefined;
  /** When the hospital's system last confirmed this appointment (appointments it booked). */
  confirmedAt: string | undefined;
}

function hospitalRequestOf(appointment: Appointment): HospitalRequestView | undefined {
  const extension = appointment.extension?.find((e) => e.url === HOSPITAL_REQUEST);
  const part = (url: string) => extension?.extension?.find((e) => e.url === url);
  const change = part('change')?.valueCode === 'reschedule' ? 'change the time of' : 'cancel';
  const state = part('state')?.valueCode;
  if (!extension || !state) return undefined;
  if (state === 'refused') {
    const reason = part('reason')?.valueString;
    return {
      refused: true,
      text: `The hospital could not ${change} this appointment${reason ? `: ${reason}` : ''}`,
    };
  }
  return {
    refused: false,
    text: `You asked to ${change} this appointment: waiting for the hospital to confirm`,
  };
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

/** Ids of the Locations an appointment's participants name (`Location/<id>`). */
export function locationIds(appointments: readonly Appointment[]): string[] {
  const ids = new Set<string>();
  for (const appointment of appointments) {
    for (const participant of appointment.participant ?? []) {
      const match = /^Location\/([A-Za-z0-9\-.]{1,64})$/.exec(participant.actor?.reference ?? '');
      if (match?.[1]) ids.add(match[1]);
    }
  }
  return [...ids].sort();
}

function addressText(location: Location | undefined): string | undefined {
  const address = location?.address;
  if (!address) return undefined;
  const parts = [...(address.line ?? []), address.city, address.postalCode].filter(Boolean);
  return address.text ?? (parts.length > 0 ? parts.join(', ') : undefined);
}

function placeOf(
  appointment: Appointment,
  locations: ReadonlyMap<string, Location>,
): { where: string | undefined; phone: string | undefined } {
  for (const participant of appointment.participant ?? []) {
    const actor = participant.actor;
    const reference = actor?.reference ?? '';
    if (!reference.startsWith('Location/') && !reference.startsWith('HealthcareService/')) continue;
    const location = locations.get(reference);
    const name = location?.name ?? actor?.display;
    const address = addressText(location);
    const where = name && address && !name.includes(address) ? `${name}, ${address}` : (name ?? address);
    const phone = location?.telecom?.find((telecom) => telecom.system === 'phone' && telecom.value)?.value;
    if (where || phone) return { where, phone };
  }
  return { where: undefined, phone: undefined };
}

export function appointmentView(
  appointment: Appointment,
  now: Date,
  locations: readonly Location[] = [],
): AppointmentView {
  const start = appointment.start;
  const place = placeOf(
    appointment,
    new Map(locations.map((location) => [`Location/${location.id}`, location])),
  );
  const future = start !== undefined && new Date(start).getTime() > now.getTime();
  const hospitalRequest = hospitalRequestOf(appointment);
  return {
    id: appointment.id ?? '',
    title: titleOf(appointment),
    start,
    end: appointment.end,
    where: place.where,
    phone: place.phone,
    status: appointment.status,
    statusText: STATUS_TEXT[appointment.status] ?? appointment.status,
    cancellationReason:
      appointment.status === 'cancelled'
        ? (appointment.cancelationReason?.text ?? appointment.cancelationReason?.coding?.[0]?.display)
        : undefined,
    lastRemindedAt: appointment.extension?.find((extension) => extension.url === LAST_REMINDED_AT)
      ?.valueDateTime,
    changeable:
      appointment.status === 'booked' && future && (hospitalRequest === undefined || hospitalRequest.refused),
    hospitalRequest,
    confirmedAt: appointment.extension?.find((extension) => extension.url === EPR_CONFIRMED_AT)
      ?.valueDateTime,
  };
}

export function splitAppointments(
  appointments: readonly Appointment[],
  now: Date,
  locations: readonly Location[] = [],
): { upcoming: AppointmentView[]; past: AppointmentView[] } {
  const views = appointments.map((appointment) => appointmentView(appointment, now, locations));
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
