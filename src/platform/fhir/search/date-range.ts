/**
 * FHIR dates as half-open ranges of instants. A FHIR date is as precise as it is written: `2024`
 * means the whole year, so both indexed values and search values become [low, high) and the date
 * prefixes compare ranges (FHIR R4 search §3.1.1.4.4 / 3.1.1.5.5).
 */

/** Milliseconds since the epoch; ±Infinity for an open end. */
export interface DateRange {
  low: number;
  high: number;
}

// year, month, day, hour, minute, second, fraction, zone — every part after the year optional.
const FHIR_DATE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * Parses a FHIR date, dateTime or instant (also a search value, which may stop at minutes) into
 * the range of instants it covers. Returns undefined for anything else, including impossible
 * calendar dates such as 2024-02-30. A time without a zone is taken as UTC, as are whole days.
 */
export function parseDateRange(text: string): DateRange | undefined {
  const match = FHIR_DATE.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zone] = match;
  const year = Number(y);
  // FHIR's years are 0001–9999 (its date regex has no year 0000, nor does PostgreSQL's calendar).
  if (year === 0) return undefined;
  const month = mo === undefined ? undefined : Number(mo);
  const day = d === undefined ? undefined : Number(d);
  if (month !== undefined && (month < 1 || month > 12)) return undefined;
  if (day !== undefined && (day < 1 || day > daysInMonth(year, month ?? 1))) return undefined;

  if (h === undefined) {
    // Date only: the whole year, month or day in UTC.
    if (month === undefined) return { low: utc(year, 0, 1), high: utc(year + 1, 0, 1) };
    if (day === undefined) return { low: utc(year, month - 1, 1), high: utc(year, month, 1) };
    return { low: utc(year, month - 1, day), high: utc(year, month - 1, day + 1) };
  }

  const hour = Number(h);
  const minute = Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  // JavaScript keeps milliseconds: finer fractions are truncated and widen to one millisecond.
  const millis = fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0'));
  const width = s === undefined ? 60_000 : fraction === undefined ? 1000 : 1;
  const offset = zoneOffsetMillis(zone);
  if (offset === undefined) return undefined;
  const low = utc(year, (month ?? 1) - 1, day ?? 1, [hour, minute, second, millis]) - offset;
  return { low, high: low + width };
}

/** The range of a FHIR Period: open ends are unbounded, each end as wide as it is written. */
export function periodRange(start: string | undefined, end: string | undefined): DateRange | undefined {
  const from = start === undefined ? undefined : parseDateRange(start);
  const to = end === undefined ? undefined : parseDateRange(end);
  if ((start !== undefined && !from) || (end !== undefined && !to)) return undefined;
  if (!from && !to) return undefined;
  return { low: from ? from.low : -Infinity, high: to ? to.high : Infinity };
}

/**
 * The text PostgreSQL reads as a timestamptz, with infinity for open ends. The edges of FHIR's
 * years 0001–9999 reach past four-digit years (9999-12-31 ends at 10000-01-01; a +14:00 offset on
 * 0001-01-01 starts in 1 BC), where toISOString's `+010000-…` and `0000-…` are not PostgreSQL's
 * spelling: those are written as PostgreSQL writes them (`10000-01-01…`, `0001-12-31… BC`).
 */
export function toSqlTimestamp(millis: number): string {
  if (millis === Infinity) return 'infinity';
  if (millis === -Infinity) return '-infinity';
  const iso = new Date(millis).toISOString();
  const year = new Date(millis).getUTCFullYear();
  if (year >= 1 && year <= 9999) return iso;
  const rest = iso.slice(iso.indexOf('-', 1));
  // Astronomical year 0 is 1 BC, -1 is 2 BC, …
  return year > 9999 ? `${year}${rest}` : `${String(1 - year).padStart(4, '0')}${rest} BC`;
}

/** Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not. Overflowing days roll over. */
function utc(year: number, monthIndex: number, day: number, time = [0, 0, 0, 0]): number {
  const date = new Date(0);
  date.setUTCFullYear(year, monthIndex, day);
  date.setUTCHours(time[0] ?? 0, time[1] ?? 0, time[2] ?? 0, time[3] ?? 0);
  return date.getTime();
}

function daysInMonth(year: number, month: number): number {
  return new Date(utc(year, month, 1) - 86_400_000).getUTCDate();
}

function zoneOffsetMillis(zone: string | undefined): number | undefined {
  if (zone === undefined || zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(4, 6));
  if (hours > 14 || minutes > 59) return undefined;
  return sign * (hours * 60 + minutes) * 60_000;
}
