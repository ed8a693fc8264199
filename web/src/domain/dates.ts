/**
 * Dates and times the way the NHS writes them ("Tuesday 3 March 2026", "9am", "2:30pm"), always
 * in UK time whatever the browser's own zone, because appointments happen in the UK. The clock is
 * the server's (src/platform/time/london-time.ts: the UK rule, not the browser's time-zone data),
 * so the portal and the service's messages never disagree about a day or an hour.
 */
import { MONTH_NAMES, toLondon, WEEKDAY_NAMES } from '../../../src/platform/time/london-time';

function parse(iso: string): Date | undefined {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** "3 March 2026"; a FHIR date without a time ("1984-03-15") is taken as that calendar day. */
export function formatDate(iso: string | undefined): string {
  if (!iso) return '';
  const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (dateOnly) {
    const [, year, month, day] = dateOnly;
    const calendarDay = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day), 12));
    return `${calendarDay.getUTCDate()} ${MONTH_NAMES[calendarDay.getUTCMonth()]} ${calendarDay.getUTCFullYear()}`;
  }
  const date = parse(iso);
  if (!date) return '';
  const london = toLondon(date);
  return `${london.day} ${MONTH_NAMES[london.month - 1]} ${london.year}`;
}

/** "9am", "2:30pm", "12pm" (the NHS style has no leading zeros and no ":00"). */
export function formatTime(iso: string | undefined): string {
  const date = iso ? parse(iso) : undefined;
  if (!date) return '';
  const { hour, minute } = toLondon(date);
  const suffix = hour < 12 ? 'am' : 'pm';
  const twelve = hour % 12 === 0 ? 12 : hour % 12;
  return minute === 0 ? `${twelve}${suffix}` : `${twelve}:${String(minute).padStart(2, '0')}${suffix}`;
}

/** "Tuesday 3 March 2026 at 9am" */
export function formatDateTime(iso: string | undefined): string {
  const date = iso ? parse(iso) : undefined;
  if (!date) return '';
  const london = toLondon(date);
  const day = `${WEEKDAY_NAMES[london.weekday]} ${london.day} ${MONTH_NAMES[london.month - 1]} ${london.year}`;
  return `${day} at ${formatTime(iso)}`;
}

/** "Tuesday 3 March 2026, 9am to 9:30am" */
export function formatTimeRange(start: string | undefined, end: string | undefined): string {
  if (!start) return '';
  const day = formatDateTime(start);
  const sameDay = end && formatDate(end) === formatDate(start);
  return sameDay ? `${day} to ${formatTime(end)}` : day;
}

/** A YYYY-MM-DD date from day, month and year as typed, or undefined when it is no real date. */
export function isoDateOf(day: string, month: string, year: string): string | undefined {
  if (!/^\d{1,2}$/.test(day.trim()) || !/^\d{1,2}$/.test(month.trim()) || !/^\d{4}$/.test(year.trim())) {
    return undefined;
  }
  const [d, m, y] = [Number(day), Number(month), Number(year)];
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d)
    return undefined;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}
