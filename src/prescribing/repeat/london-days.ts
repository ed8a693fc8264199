/**
 * Calendar days in England (Europe/London), pure. Repeat-dispensing intervals and authorisation
 * expiry dates are days on the patient's calendar: an issue due 28 days after a dispense is due
 * from midnight that day whether or not the clocks changed in between (23- and 25-hour days).
 */
const LONDON = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** The London calendar date (YYYY-MM-DD) of an instant. */
export function londonDate(instant: Date): string {
  const parts = Object.fromEntries(LONDON.formatToParts(instant).map((part) => [part.type, part.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

function offsetMs(instant: Date): number {
  const parts = Object.fromEntries(LONDON.formatToParts(instant).map((part) => [part.type, part.value]));
  const asUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/** The instant London's day `date` (YYYY-MM-DD) begins (00:00 GMT or BST). */
export function startOfLondonDay(date: string): Date {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const utcMidnight = Date.UTC(year, month - 1, day);
  // Midnight is never inside a clock change in the UK (they happen at 01:00 UTC), so the offset
  // an hour either side of the guess settles it.
  let guess = utcMidnight - offsetMs(new Date(utcMidnight));
  guess = utcMidnight - offsetMs(new Date(guess));
  return new Date(guess);
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
