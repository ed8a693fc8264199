/**
 * HL7 v2 date/times (TS/DTM: `YYYY[MM[DD[HH[MM[SS[.S…]]]]]][+/-ZZZZ]`). A time without an offset
 * is the sender's local time, which for UK hospitals is Europe/London (GMT or BST).
 */
import { londonOffsetMs } from '../../platform/time/london-time.js';

const TS = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.(\d{1,4}))?([+-]\d{4})?$/;

/** The instant, as an ISO string, or undefined when the value is empty or not a TS. */
export function hl7Instant(value: string | undefined): string | undefined {
  const match = value ? TS.exec(value.trim()) : null;
  if (!match) return undefined;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', frac = '0', zone] = match;
  const ms = Math.round(Number(`0.${frac}`) * 1000);
  const asUtc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  if (
    Number.isNaN(asUtc) ||
    Number(mo) > 12 ||
    Number(d) > 31 ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 60
  ) {
    return undefined;
  }
  let offsetMs: number;
  if (zone) {
    const sign = zone.startsWith('-') ? -1 : 1;
    offsetMs = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5))) * 60_000;
  } else {
    // London's offset at the local time read as UTC, corrected once: right except inside the
    // hour the clocks change, where the local time itself is ambiguous.
    offsetMs = londonOffsetMs(new Date(asUtc - londonOffsetMs(new Date(asUtc))));
  }
  return new Date(asUtc - offsetMs).toISOString();
}

/** A FHIR date (YYYY, YYYY-MM or YYYY-MM-DD) from the date part of a TS, or undefined. */
export function hl7Date(value: string | undefined): string | undefined {
  const match = value ? /^(\d{4})(\d{2})?(\d{2})?/.exec(value.trim()) : null;
  if (!match) return undefined;
  const [, y, mo, d] = match;
  if (mo && (Number(mo) < 1 || Number(mo) > 12)) return undefined;
  if (d && (Number(d) < 1 || Number(d) > 31)) return undefined;
  return [y, mo, d].filter(Boolean).join('-');
}

/** An HL7 DTM for `date` in UTC with an explicit offset (what we send). */
export function formatHl7Instant(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}+0000`;
}
