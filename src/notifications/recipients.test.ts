import { describe, expect, it } from 'vitest';
import { isEmailAddress, normaliseUkMobile, ukMobileProblem } from './recipients.js';

describe('recipients', () => {
  it('accepts UK mobile numbers in their usual spellings', () => {
    for (const number of [
      '07700900123',
      '07700 900123',
      '+447700900123',
      '+44 (0)7700 900 123',
      '00447700900123',
      '447700900123',
      '7700900123',
    ]) {
      expect(normaliseUkMobile(number), number).toBe('+447700900123');
    }
  });

  it('refuses landlines, short numbers, foreign numbers and letters', () => {
    expect(normaliseUkMobile('01632960000')).toBeUndefined();
    expect(normaliseUkMobile('0770090012')).toBeUndefined();
    expect(normaliseUkMobile('+33612345678')).toBeUndefined();
    expect(normaliseUkMobile('077009OO123')).toBeUndefined();
    expect(ukMobileProblem('01632960000')).toBe('Not a UK mobile number');
    expect(ukMobileProblem('07700 9OO123')).toBe('Must not contain letters or symbols');
    expect(ukMobileProblem('07700900123')).toBeUndefined();
  });

  it('accepts ordinary email addresses and Notify test addresses, refuses malformed ones', () => {
    expect(isEmailAddress('alex.hughes@example.nhs.uk')).toBe(true);
    expect(isEmailAddress('temp-fail@simulator.notify')).toBe(true);
    expect(isEmailAddress('perm-fail@simulator.notify')).toBe(true);
    expect(isEmailAddress('no-at-sign.example.com')).toBe(false);
    expect(isEmailAddress('two@@example.com')).toBe(false);
    expect(isEmailAddress('nodot@localhost')).toBe(false);
    expect(isEmailAddress('spaces in@example.com')).toBe(false);
  });
});
