/**
 * Dates and times the way the NHS writes them ("Tuesday 3 March 2026", "9am", "2:30pm"), always
 * in UK time whatever the browser's own zone, because appointments happen in the UK.
 */

const ZONE = 'Europe/London';

const dayFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: ZONE,
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
});
const dateFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: ZONE,
  day: 'numeric',
  month: 'long',
  year: 'numeric',
});
const timeFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: ZONE,
  hour: 'numeric',
  minute: '2-digit',
  hourCycle: 'h23',
});

function parse(iso: string): Date | undefined {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function part(parts: Intl.DateTimeFormatPart[], type: Intl.DateTimeFormatPartTypes): string {
  return parts.find((item) => item.type === type)?.value ?? '';
}

/** "3 March 2026"; a FHIR date without a time ("1984-03-15") is taken as that calendar day. */
export function formatDate(iso: string | undefined): string {
  if (!iso) return '';
  const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (dateOnly) {
    const [, year, month, day] = dateOnly;
    const noonUtc = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day), 12));
    return dateFormat.format(noonUtc);
  }
  const date = parse(iso);
  return date ? dateFormat.format(date) : '';
}

/** "9am", "2:30pm", "12pm" (the NHS style has no leading zeros and no ":00"). */
export function formatTime(iso: string | undefined): string {
  const date = iso ? parse(iso) : undefined;
  if (!date) return '';
  const parts = timeFormat.formatToParts(date);
  const hour = Number(part(parts, 'hour'));
  const minute = part(parts, 'minute');
  const suffix = hour < 12 ? 'am' : 'pm';
  const twelve = hour % 12 === 0 ? 12 : hour % 12;
  return minute === '00' ? `${twelve}${suffix}` : `${twelve}:${minute}${suffix}`;
}

/** "Tuesday 3 March 2026 at 9am" */
export function formatDateTime(iso: string | undefined): string {
  const date = iso ? parse(iso) : undefined;
  if (!date) return '';
  return `${dayFormat.format(date).replace(',', '')} at ${formatTime(iso)}`;
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
