import { describe, expect, it } from 'vitest';
import { expiryOf, validFromOf } from './expiry.js';

describe('prescription expiry', () => {
  it('is six calendar months after the validity start', () => {
    expect(expiryOf(new Date('2026-01-15T10:00:00Z'), false).toISOString()).toBe('2026-07-15T10:00:00.000Z');
  });

  it('ends on the last day of a shorter month', () => {
    expect(expiryOf(new Date('2026-08-31T00:00:00Z'), false).toISOString()).toBe('2027-02-28T00:00:00.000Z');
    expect(expiryOf(new Date('2027-08-31T00:00:00Z'), false).toISOString()).toBe('2028-02-29T00:00:00.000Z');
  });

  it('is 28 days for a controlled drug', () => {
    expect(expiryOf(new Date('2026-02-10T09:30:00Z'), true).toISOString()).toBe('2026-03-10T09:30:00.000Z');
  });

  it('starts at the validity period start (a date is midnight UTC), else at the signing time', () => {
    const sigT = new Date('2026-05-01T12:00:00Z');
    expect(validFromOf({ validityStart: '2026-04-20' }, sigT).toISOString()).toBe('2026-04-20T00:00:00.000Z');
    expect(validFromOf({ validityStart: '2026-04-20T08:00:00+01:00' }, sigT).toISOString()).toBe(
      '2026-04-20T07:00:00.000Z',
    );
    expect(validFromOf({ validityStart: undefined }, sigT)).toBe(sigT);
  });
});
