/**
 * No text message between 21:00 and 08:00 London time: one that falls due then waits for 08:00.
 * Email has no quiet hours, and one-time sign-in codes are sent whenever they are asked for (they
 * do not go through here).
 */
import { fromLondon, nextDay, toLondon } from '../platform/time/london-time.js';

export const QUIET_HOURS = Object.freeze({ fromHour: 21, untilHour: 8 });

export function isQuietHours(instant: Date): boolean {
  const { hour } = toLondon(instant);
  return hour >= QUIET_HOURS.fromHour || hour < QUIET_HOURS.untilHour;
}

/** The earliest instant at or after `instant` when a text message may be sent. */
export function smsAllowedFrom(instant: Date): Date {
  const local = toLondon(instant);
  if (!isQuietHours(instant)) return instant;
  const day =
    local.hour < QUIET_HOURS.untilHour
      ? { year: local.year, month: local.month, day: local.day }
      : nextDay(local.year, local.month, local.day);
  return fromLondon(day.year, day.month, day.day, QUIET_HOURS.untilHour);
}
