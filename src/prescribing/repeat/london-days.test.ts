import { describe, expect, it } from 'vitest';
import { addDays, londonDate, startOfLondonDay } from './london-days.js';

describe('London calendar days', () => {
  it('starts a winter day at 00:00 UTC and a summer day at 23:00 UTC the day before', () => {
    expect(startOfLondonDay('2026-01-15').toISOString()).toBe('2026-01-15T00:00:00.000Z');
    expect(startOfLondonDay('2026-07-15').toISOString()).toBe('2026-07-14T23:00:00.000Z');
  });

  it('gets the days either side of both clock changes right (29 March and 25 October 2026)', () => {
    expect(startOfLondonDay('2026-03-29').toISOString()).toBe('2026-03-29T00:00:00.000Z');
    expect(startOfLondonDay('2026-03-30').toISOString()).toBe('2026-03-29T23:00:00.000Z');
    expect(startOfLondonDay('2026-10-25').toISOString()).toBe('2026-10-24T23:00:00.000Z');
    expect(startOfLondonDay('2026-10-26').toISOString()).toBe('2026-10-26T00:00:00.000Z');
  });

  it('reads the London date of an instant near midnight', () => {
    expect(londonDate(new Date('2026-07-14T23:30:00Z'))).toBe('2026-07-15');
    expect(londonDate(new Date('2026-01-14T23:30:00Z'))).toBe('2026-01-14');
  });

  it('adds calendar days across month and year ends', () => {
    expect(addDays('2026-12-20', 28)).toBe('2027-01-17');
    expect(addDays('2028-02-01', 28)).toBe('2028-02-29');
  });
});
