/**
 * RFC 3339 date-times (section 5.6) for `sigT`. `Date.parse` is not used: it accepts many other
 * spellings, and what a signature says its signing time is must be unambiguous.
 */

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** The instant a valid RFC 3339 date-time names (to the millisecond), else undefined. */
export function parseRfc3339(text: unknown): Date | undefined {
  if (typeof text !== 'string') return undefined;
  const match = DATE_TIME.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const millis = match[7] ? Number(match[7].slice(0, 3).padEnd(3, '0')) : 0;
  const offsetSign = match[8] === '-' ? -1 : 1;
  const offsetHours = match[9] ? Number(match[9]) : 0;
  const offsetMinutes = match[10] ? Number(match[10]) : 0;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  // Second 60 is a leap second; it lands on the next minute's first second.
  if (hour > 23 || minute > 59 || second > 60 || offsetHours > 23 || offsetMinutes > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return new Date(date.getTime() - offsetSign * (offsetHours * 60 + offsetMinutes) * 60_000);
}

/** UTC with `Z`, milliseconds only when there are any: `2024-05-01T09:30:00Z`. Also a FHIR `instant`. */
export function formatRfc3339(date: Date): string {
  const time = date.getTime();
  if (Number.isNaN(time)) throw new TypeError('sigT: not a valid date');
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw new TypeError('sigT: the year must have four digits');
  return date.toISOString().replace(/\.000Z$/, 'Z');
}
