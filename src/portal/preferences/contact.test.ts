import type { Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { Problem } from '../../platform/errors/problem.js';
import {
  contactDetailsOf,
  normaliseEmail,
  normaliseUkMobile,
  validatedContactChange,
  withContactChange,
} from './contact.js';

describe('UK mobile numbers', () => {
  it('accepts the usual ways of writing one and stores +447…', () => {
    for (const written of [
      '07700 900123',
      '07700900123',
      '+44 7700 900123',
      '+44 (0)7700 900123',
      '0044 7700-900123',
      '447700900123',
    ]) {
      expect(normaliseUkMobile(written)).toBe('+447700900123');
    }
  });

  it('refuses landlines, foreign numbers, short numbers and letters', () => {
    for (const written of [
      '020 7946 0000',
      '+33 6 12 34 56 78',
      '07700 90012',
      '07700 9001234',
      '07700 9OO123',
      '',
      '+4407700900123x',
    ]) {
      expect(normaliseUkMobile(written)).toBeUndefined();
    }
  });
});

describe('email addresses', () => {
  it('accepts an address and lower-cases its domain only', () => {
    expect(normaliseEmail(' Pat.Smith+nhs@Example.NHS.uk ')).toBe('Pat.Smith+nhs@example.nhs.uk');
  });

  it('refuses what is not an address', () => {
    for (const written of [
      'pat',
      'pat@',
      '@example.com',
      'pat@example',
      'pat smith@example.com',
      'pat@exa mple.com',
      `${'a'.repeat(250)}@x.uk`,
    ]) {
      expect(normaliseEmail(written)).toBeUndefined();
    }
  });
});

describe('a contact change', () => {
  it('is validated: a clear 400 for a bad number or address, null to remove', () => {
    expect(validatedContactChange({ mobile: '07700 900123', email: null })).toEqual({
      mobile: '+447700900123',
      email: null,
    });
    expect(validatedContactChange({})).toEqual({});
    expect(() => validatedContactChange({ mobile: '020 7946 0000' })).toThrow(Problem);
    expect(() => validatedContactChange({ email: 'not an address' })).toThrow(
      /email must be an email address/,
    );
  });

  const patient: Patient = {
    resourceType: 'Patient',
    id: 'p1',
    name: [{ family: 'Smith', given: ['Pat'] }],
    gender: 'female',
    birthDate: '1970-01-01',
    telecom: [
      { system: 'phone', value: '01632 960000', use: 'home' },
      { system: 'phone', value: '07700 900001', use: 'mobile' },
      { system: 'email', value: 'old@example.com' },
      { system: 'phone', value: '07700 900999', use: 'mobile' },
    ],
  };

  it('replaces the mobile and email only, keeping every other detail of the record', () => {
    const changed = withContactChange(patient, { mobile: '+447700900123', email: 'new@example.com' })!;
    expect(changed.telecom).toEqual([
      { system: 'phone', value: '01632 960000', use: 'home' },
      { system: 'phone', value: '+447700900123', use: 'mobile', rank: 1 },
      { system: 'email', value: 'new@example.com', rank: 1 },
    ]);
    expect({ ...changed, telecom: undefined }).toEqual({ ...patient, telecom: undefined });
    expect(contactDetailsOf(changed)).toEqual({ mobile: '+447700900123', email: 'new@example.com' });
  });

  it('removes a detail given as null, and changes nothing when the values are the same', () => {
    const removed = withContactChange(patient, { email: null })!;
    expect(contactDetailsOf(removed).email).toBeUndefined();
    expect(withContactChange(patient, { mobile: '07700 900001' })).toBeUndefined();
    expect(withContactChange(patient, {})).toBeUndefined();
    const bare: Patient = {
      resourceType: 'Patient',
      id: 'p2',
      telecom: [{ system: 'email', value: 'a@b.uk' }],
    };
    expect(withContactChange(bare, { email: null })).toEqual({ resourceType: 'Patient', id: 'p2' });
  });

  it('reads the first current mobile and email, ignoring old ones', () => {
    expect(contactDetailsOf(patient)).toEqual({ mobile: '07700 900001', email: 'old@example.com' });
    const old: Patient = {
      resourceType: 'Patient',
      telecom: [{ system: 'email', value: 'gone@example.com', use: 'old' }],
    };
    expect(contactDetailsOf(old)).toEqual({ mobile: undefined, email: undefined });
  });
});
