/**
 * When an appointment reminder is due (pure). Times are instants: "within 48 hours" is 48 hours of
 * elapsed time, so a clock change between now and the appointment moves nothing — the reminder
 * for a 09:00 appointment the morning after the clocks go forward goes out at 08:00 local time two
 * days before, not at 09:00.
 */
import type { Appointment, Extension } from '@medplum/fhirtypes';

export const LAST_REMINDED_EXTENSION = 'https://fhir.pathways.dev/StructureDefinition/last-reminded-at';

export function lastRemindedAt(appointment: Appointment): Date | undefined {
  const value = appointment.extension?.find(
    (extension) => extension.url === LAST_REMINDED_EXTENSION,
  )?.valueDateTime;
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time);
}

/**
 * Due when the appointment is booked, starts after `now` and at most `leadS` seconds from it, and
 * no reminder was sent for this start yet — a reminder sent before the window of the current
 * start opened was for an earlier time the appointment has since been moved from.
 */
export function isReminderDue(appointment: Appointment, now: Date, leadS: number): boolean {
  if (appointment.status !== 'booked' || appointment.start === undefined) return false;
  const start = Date.parse(appointment.start);
  if (Number.isNaN(start)) return false;
  const windowOpens = start - leadS * 1000;
  if (start <= now.getTime() || now.getTime() < windowOpens) return false;
  const reminded = lastRemindedAt(appointment);
  return reminded === undefined || reminded.getTime() < windowOpens;
}

export function withReminder(appointment: Appointment, at: Date): Appointment {
  const others = (appointment.extension ?? []).filter(
    (extension) => extension.url !== LAST_REMINDED_EXTENSION,
  );
  const reminder: Extension = { url: LAST_REMINDED_EXTENSION, valueDateTime: at.toISOString() };
  return { ...appointment, extension: [...others, reminder] };
}
