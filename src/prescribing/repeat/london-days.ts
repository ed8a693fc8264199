/**
 * Calendar days in England (Europe/London), pure. Repeat-dispensing intervals and authorisation
 * expiry dates are days on the patient's calendar: an issue due 28 days after a dispense is due
 * from midnight that day whether or not the clocks changed in between (23- and 25-hour days).
 * London's clock is platform/time/london-time.ts's UK rule, as quiet hours and HL7 times read it.
 */
import { fromLondon, toLondon } from '../../platform/time/london-time.js';

const pad = (value: number) => String(value).padStart(2, '0');

/** The London calendar date (YYYY-MM-DD) of an instant. */
export function londonDate(instant: Date): string {
  const t = toLondon(instant);
  return `${String(t.year).padStart(4, '0')}-${pad(t.month)}-${pad(t.day)}`;
}

/** The instant London's day `date` (YYYY-MM-DD) begins (00:00 GMT or BST). */
export function startOfLondonDay(date: string): Date {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  // Midnight is never inside a clock change in the UK (they happen at 01:00 UTC), so it is one instant.
  return fromLondon(year, month, day, 0);
}

/** `date` plus `days` calendar days (YYYY-MM-DD). */
export function addDays(date: string, days: number): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

/** A FHIR date or dateTime read as a London date when it has no time, else as given. */
export function isoDateOnly(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value);
}
