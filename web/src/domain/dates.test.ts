import { describe, expect, it } from 'vitest';
import { formatDate, formatDateTime, formatTime, formatTimeRange, isoDateOf } from './dates';

describe('dates in UK time and NHS style', () => {
  it('writes days and times without leading zeros or ":00"', () => {
    expect(formatDateTime('2026-03-03T09:00:00Z')).toBe('Tuesday 3 March 2026 at 9am');
    expect(formatTime('2026-03-03T14:30:00Z')).toBe('2:30pm');
    expect(formatTime('2026-03-03T12:00:00Z')).toBe('12pm');
    expect(formatTime('2026-03-03T00:05:00Z')).toBe('12:05am');
  });

  it('shows British Summer Time after the clocks go forward, and GMT after they go back', () => {
    // 29 March 2026 01:00 UTC the clocks go forward; 25 October 2026 01:00 UTC they go back.
    expect(formatTime('2026-03-29T00:30:00Z')).toBe('12:30am');
    expect(formatTime('2026-03-29T01:30:00Z')).toBe('2:30am');
    expect(formatTime('2026-10-25T00:30:00Z')).toBe('1:30am');
    expect(formatTime('2026-10-25T01:30:00Z')).toBe('1:30am');
    expect(formatDate('2026-06-30T23:30:00Z')).toBe('1 July 2026');
  });

  it('takes a FHIR date as the calendar day whatever the zone', () => {
    expect(formatDate('1984-03-15')).toBe('15 March 1984');
    expect(formatDate('2026-10-25')).toBe('25 October 2026');
    expect(formatDate(undefined)).toBe('');
    expect(formatDate('not a date')).toBe('');
  });

  it('shows a time range on one day as one sentence', () => {
    expect(formatTimeRange('2026-03-03T09:00:00Z', '2026-03-03T09:30:00Z')).toBe(
      'Tuesday 3 March 2026 at 9am to 9:30am',
    );
    expect(formatTimeRange('2026-03-03T09:00:00Z', undefined)).toBe('Tuesday 3 March 2026 at 9am');
    expect(formatTimeRange(undefined, undefined)).toBe('');
  });

  it('accepts only real dates as typed', () => {
    expect(isoDateOf('15', '3', '1984')).toBe('1984-03-15');
    expect(isoDateOf(' 1 ', '01', '2000')).toBe('2000-01-01');
    expect(isoDateOf('29', '2', '2023')).toBeUndefined();
    expect(isoDateOf('29', '2', '2024')).toBe('2024-02-29');
    expect(isoDateOf('31', '4', '2020')).toBeUndefined();
    expect(isoDateOf('1', '13', '2020')).toBeUndefined();
    expect(isoDateOf('a', '1', '2020')).toBeUndefined();
    expect(isoDateOf('1', '1', '20')).toBeUndefined();
  });
});
