/**
 * Europe/London civil time by the UK rule (in force since 1998, the EU one): GMT, and BST (UTC+1)
 * from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October. Written
 * out rather than taken from Intl, so quiet hours do not depend on the ICU data a Node build
 * happens to ship, and so the rule can be tested on its own. Pure and dependency-free: the web
 * portal's dates (web/src/domain/dates.ts) use it too.
 */
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** 00:00 UTC on the last Sunday of `month` (1–12) of `year`, in epoch milliseconds. */
export function lastSundayUtc(year: number, month: number): number {
  // Day 0 of the next month is the last day of this one (Date.UTC months are 0-based).
  const lastDay = Date.UTC(year, month, 0);
  return lastDay - new Date(lastDay).getUTCDay() * DAY_MS;
}

/** The instant BST begins in `year` (clocks go forward from 01:00 GMT to 02:00 BST). */
export function bstStart(year: number): Date {
  return new Date(lastSundayUtc(year, 3) + HOUR_MS);
}

/** The instant BST ends in `year` (clocks go back from 02:00 BST to 01:00 GMT). */
export function bstEnd(year: number): Date {
  return new Date(lastSundayUtc(year, 10) + HOUR_MS);
}

/** London's offset from UTC at `instant`: 0 (GMT) or 3,600,000 ms (BST). */
export function londonOffsetMs(instant: Date): number {
  const t = instant.getTime();
  const year = instant.getUTCFullYear();
  return t >= bstStart(year).getTime() && t < bstEnd(year).getTime() ? HOUR_MS : 0;
}

export interface LondonTime {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
}

/** What a London clock and calendar show at `instant`. */
export function toLondon(instant: Date): LondonTime {
  const shifted = new Date(instant.getTime() + londonOffsetMs(instant));
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
    weekday: shifted.getUTCDay(),
  };
}

/**
 * The instant London clocks show this wall time. A time that happens twice (01:00–01:59 on the
 * last Sunday of October) gives the first, BST one; a time that never happens (01:00–01:59 on the
 * last Sunday of March) gives the instant an hour later on the clock.
 */
export function fromLondon(year: number, month: number, day: number, hour: number, minute = 0): Date {
  const asIfUtc = Date.UTC(year, month - 1, day, hour, minute);
  const inBst = new Date(asIfUtc - HOUR_MS);
  if (londonOffsetMs(inBst) === HOUR_MS) return inBst;
  return new Date(asIfUtc);
}

/** The London calendar day after (year, month, day). */
export function nextDay(
  year: number,
  month: number,
  day: number,
): { year: number; month: number; day: number } {
  const next = new Date(Date.UTC(year, month - 1, day + 1));
  return { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() };
}

/** Sunday … Saturday, indexed by `LondonTime.weekday`. */
export const WEEKDAY_NAMES: readonly string[] = [
  'Sunday',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
];
/** January … December, as GOV.UK writes dates ("14 July 2026"). */
export const MONTH_NAMES: readonly string[] = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** GOV.UK style: 9am, 5:30pm, midday, midnight. */
export function formatClock(hour: number, minute: number): string {
  if (minute === 0 && hour === 0) return 'midnight';
  if (minute === 0 && hour === 12) return 'midday';
  const suffix = hour < 12 ? 'am' : 'pm';
  const h12 = hour % 12 === 0 ? 12 : hour % 12;
  return minute === 0 ? `${h12}${suffix}` : `${h12}:${String(minute).padStart(2, '0')}${suffix}`;
}

/** e.g. "Tuesday 14 July 2026 at 10:30am", in London time. */
export function formatLondonDateTime(instant: Date): string {
  const t = toLondon(instant);
  return `${WEEKDAY_NAMES[t.weekday]} ${t.day} ${MONTH_NAMES[t.month - 1]} ${t.year} at ${formatClock(t.hour, t.minute)}`;
}
