import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bstEnd,
  bstStart,
  formatClock,
  formatLondonDateTime,
  fromLondon,
  londonOffsetMs,
  toLondon,
} from './london-time.js';

const HOUR = 3_600_000;

/** Intl as an independent oracle (the code under test does not use it). */
const LONDON = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  hourCycle: 'h23',
});

function intlLondon(instant: Date) {
  const parts = LONDON.formatToParts(instant);
  const get = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
  };
}

describe('London time', () => {
  it('knows when BST starts and ends in 2026 (29 March and 25 October, 01:00 UTC)', () => {
    expect(bstStart(2026).toISOString()).toBe('2026-03-29T01:00:00.000Z');
    expect(bstEnd(2026).toISOString()).toBe('2026-10-25T01:00:00.000Z');
    expect(bstStart(2027).toISOString()).toBe('2027-03-28T01:00:00.000Z');
    expect(bstEnd(2027).toISOString()).toBe('2027-10-31T01:00:00.000Z');
  });

  it('switches offset exactly at the changes', () => {
    expect(londonOffsetMs(new Date('2026-03-29T00:59:59.999Z'))).toBe(0);
    expect(londonOffsetMs(new Date('2026-03-29T01:00:00.000Z'))).toBe(HOUR);
    expect(londonOffsetMs(new Date('2026-10-25T00:59:59.999Z'))).toBe(HOUR);
    expect(londonOffsetMs(new Date('2026-10-25T01:00:00.000Z'))).toBe(0);
    expect(londonOffsetMs(new Date('2026-01-15T12:00:00Z'))).toBe(0);
    expect(londonOffsetMs(new Date('2026-07-15T12:00:00Z'))).toBe(HOUR);
  });

  it('shows the London wall clock, across midnight and the year end', () => {
    expect(toLondon(new Date('2026-07-14T23:30:00Z'))).toMatchObject({
      year: 2026,
      month: 7,
      day: 15,
      hour: 0,
    });
    expect(toLondon(new Date('2026-12-31T23:30:00Z'))).toMatchObject({
      year: 2026,
      month: 12,
      day: 31,
      hour: 23,
    });
    expect(toLondon(new Date('2026-03-29T01:30:00Z'))).toMatchObject({ day: 29, hour: 2, minute: 30 });
  });

  it('agrees with the tz database for any instant from 2000 to 2100', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }), (ms) => {
        const instant = new Date(ms);
        const { weekday: _weekday, ...ours } = toLondon(instant);
        expect(ours).toEqual(intlLondon(instant));
      }),
      { numRuns: 3000 },
    );
  });

  it('turns a London wall time back into the instant, including on the change days', () => {
    expect(fromLondon(2026, 3, 29, 8).toISOString()).toBe('2026-03-29T07:00:00.000Z');
    expect(fromLondon(2026, 3, 28, 8).toISOString()).toBe('2026-03-28T08:00:00.000Z');
    expect(fromLondon(2026, 10, 25, 8).toISOString()).toBe('2026-10-25T08:00:00.000Z');
    expect(fromLondon(2026, 10, 24, 8).toISOString()).toBe('2026-10-24T07:00:00.000Z');
    // 01:30 happens twice on 25 October: the first (BST) one.
    expect(fromLondon(2026, 10, 25, 1, 30).toISOString()).toBe('2026-10-25T00:30:00.000Z');
    // 01:30 never happens on 29 March: an hour later on the clock.
    expect(fromLondon(2026, 3, 29, 1, 30).toISOString()).toBe('2026-03-29T01:30:00.000Z');
  });

  it('round-trips every wall time that exists', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }), (ms) => {
        const instant = new Date(Math.floor(ms / 60_000) * 60_000);
        const t = toLondon(instant);
        const back = fromLondon(t.year, t.month, t.day, t.hour, t.minute);
        // Only the repeated hour in October may map to its other occurrence.
        expect([0, HOUR]).toContain(instant.getTime() - back.getTime());
        expect(toLondon(back)).toEqual(t);
      }),
      { numRuns: 2000 },
    );
  });

  it('formats dates and times the GOV.UK way', () => {
    expect(formatLondonDateTime(new Date('2026-07-14T09:30:00Z'))).toBe('Tuesday 14 July 2026 at 10:30am');
    expect(formatLondonDateTime(new Date('2026-01-05T14:00:00Z'))).toBe('Monday 5 January 2026 at 2pm');
    expect(formatClock(0, 0)).toBe('midnight');
    expect(formatClock(12, 0)).toBe('midday');
    expect(formatClock(12, 5)).toBe('12:05pm');
    expect(formatClock(0, 15)).toBe('12:15am');
    expect(formatClock(23, 59)).toBe('11:59pm');
  });
});
