import { describe, expect, it } from 'vitest';
import { isQuietHours, smsAllowedFrom } from './quiet-hours.js';

const at = (iso: string) => new Date(iso);
const allowed = (iso: string) => smsAllowedFrom(at(iso)).toISOString();

describe('quiet hours (21:00–08:00 London)', () => {
  it('lets a message through in the day, unchanged', () => {
    expect(allowed('2026-07-14T12:34:56.789Z')).toBe('2026-07-14T12:34:56.789Z');
    expect(allowed('2026-01-14T08:00:00.000Z')).toBe('2026-01-14T08:00:00.000Z');
  });

  it('starts at 21:00 and ends at 08:00 on the London clock', () => {
    // Summer (BST): 21:00 London is 20:00 UTC.
    expect(isQuietHours(at('2026-07-14T19:59:59Z'))).toBe(false);
    expect(isQuietHours(at('2026-07-14T20:00:00Z'))).toBe(true);
    expect(isQuietHours(at('2026-07-15T06:59:59Z'))).toBe(true);
    expect(isQuietHours(at('2026-07-15T07:00:00Z'))).toBe(false);
    // Winter (GMT).
    expect(isQuietHours(at('2026-01-14T20:59:59Z'))).toBe(false);
    expect(isQuietHours(at('2026-01-14T21:00:00Z'))).toBe(true);
    expect(isQuietHours(at('2026-01-15T07:59:59Z'))).toBe(true);
    expect(isQuietHours(at('2026-01-15T08:00:00Z'))).toBe(false);
  });

  it('holds a 22:30 message until 08:00 the next morning, summer and winter', () => {
    expect(allowed('2026-07-14T21:30:00Z')).toBe('2026-07-15T07:00:00.000Z');
    expect(allowed('2026-01-14T22:30:00Z')).toBe('2026-01-15T08:00:00.000Z');
  });

  it('holds a message after midnight until 08:00 the same day', () => {
    expect(allowed('2026-07-14T23:30:00Z')).toBe('2026-07-15T07:00:00.000Z'); // 00:30 BST on the 15th
    expect(allowed('2026-01-15T00:00:00Z')).toBe('2026-01-15T08:00:00.000Z'); // midnight GMT
    expect(allowed('2026-01-14T23:59:59Z')).toBe('2026-01-15T08:00:00.000Z');
    expect(allowed('2026-12-31T22:00:00Z')).toBe('2027-01-01T08:00:00.000Z'); // over the year end
  });

  it('is right across the spring change (29 March 2026): 08:00 is BST', () => {
    // 22:30 GMT on Saturday 28 March → 08:00 BST on Sunday = 07:00 UTC.
    expect(allowed('2026-03-28T22:30:00Z')).toBe('2026-03-29T07:00:00.000Z');
    // In the hour that is skipped and just after it.
    expect(allowed('2026-03-29T00:30:00Z')).toBe('2026-03-29T07:00:00.000Z');
    expect(allowed('2026-03-29T01:30:00Z')).toBe('2026-03-29T07:00:00.000Z');
    // 07:30 UTC on the Sunday is already 08:30 BST.
    expect(allowed('2026-03-29T07:30:00Z')).toBe('2026-03-29T07:30:00.000Z');
    // Sunday 20:30 UTC is 21:30 BST: quiet.
    expect(allowed('2026-03-29T20:30:00Z')).toBe('2026-03-30T07:00:00.000Z');
  });

  it('is right across the autumn change (25 October 2026): 08:00 is GMT', () => {
    // 22:30 BST on Saturday 24 October = 21:30 UTC → 08:00 GMT on Sunday.
    expect(allowed('2026-10-24T21:30:00Z')).toBe('2026-10-25T08:00:00.000Z');
    // Both occurrences of 01:30 London.
    expect(allowed('2026-10-25T00:30:00Z')).toBe('2026-10-25T08:00:00.000Z');
    expect(allowed('2026-10-25T01:30:00Z')).toBe('2026-10-25T08:00:00.000Z');
    // 07:30 UTC on the Sunday is 07:30 GMT: still quiet for half an hour.
    expect(allowed('2026-10-25T07:30:00Z')).toBe('2026-10-25T08:00:00.000Z');
    // Saturday 20:30 UTC is 21:30 BST: quiet; Sunday 20:30 UTC is 20:30 GMT: not.
    expect(isQuietHours(at('2026-10-24T20:30:00Z'))).toBe(true);
    expect(isQuietHours(at('2026-10-25T20:30:00Z'))).toBe(false);
  });
});
