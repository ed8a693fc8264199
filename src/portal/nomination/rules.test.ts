import type { Organization } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { ODS_SYSTEM } from '../../nhs/index.js';
import { Problem } from '../../platform/errors/problem.js';
import {
  addressLine,
  isPharmacy,
  nominationCode,
  ORGANISATION_ROLE_SYSTEM,
  pharmacyQuery,
  pharmacyView,
  postcodePattern,
} from './rules.js';

const pharmacy = (extra: Partial<Organization> = {}): Organization => ({
  resourceType: 'Organization',
  id: 'p1',
  identifier: [{ system: ODS_SYSTEM, value: 'FCG71' }],
  type: [{ coding: [{ system: ORGANISATION_ROLE_SYSTEM, code: '182' }] }],
  name: 'High Street Pharmacy',
  address: [{ line: ['12 High Street'], city: 'Leeds', postalCode: 'LS1 4AP' }],
  ...extra,
});

describe('pharmacyQuery', () => {
  it.each([
    ['LS1', { by: 'postcode', value: 'LS1' }],
    ['ls1 4ap', { by: 'postcode', value: 'LS1 4AP' }],
    ['LS14AP', { by: 'postcode', value: 'LS1 4AP' }],
    ['  YO1  7HH ', { by: 'postcode', value: 'YO1 7HH' }],
    ['SW1A 1AA', { by: 'postcode', value: 'SW1A 1AA' }],
    ['FCG71', { by: 'ods', value: 'FCG71' }],
    ['station road', { by: 'name', value: 'station road' }],
    ['Boots', { by: 'name', value: 'Boots' }],
  ])('%s searches by %o', (input, expected) => {
    expect(pharmacyQuery(input)).toEqual(expected);
  });

  it.each([undefined, '', ' a ', 42, ['LS1'], 'x'.repeat(101)])('refuses %o with a 400 naming q', (input) => {
    const error = (() => {
      try {
        pharmacyQuery(input);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(Problem);
    expect((error as Problem).status).toBe(400);
    expect((error as Problem).issues[0]?.expression).toBe('q');
  });
});

describe('postcodePattern', () => {
  /** As the store's SQL applies it to the index's value (normaliseString: lower case, trimmed). */
  const matches = (query: string, postcode: string) => {
    const { equals, startsWith } = postcodePattern(query);
    const stored = postcode.toLowerCase().trim();
    return stored === equals || stored.startsWith(startsWith);
  };

  it.each([
    ['LS1', 'LS1 6HB', true],
    ['LS1', 'ls1  6hb', true],
    ['LS1', 'LS1', true],
    ['LS1', 'LS15 8EU', false],
    ['LS1', 'LS16', false],
    ['LS1 6', 'LS1 6HB', true],
    ['LS1 6', 'LS15 6AA', false],
    ['LS1 6HB', 'LS1 6HB', true],
    ['LS1 6HB', 'LS1 6HC', false],
  ] as const)('%s and %s: %s', (query, postcode, expected) => {
    expect(matches(query, postcode)).toBe(expected);
  });

  it('is lower case, with one space, as the index keeps postcodes', () => {
    expect(postcodePattern('LS1')).toEqual({ equals: 'ls1', startsWith: 'ls1 ' });
    expect(postcodePattern(' ls1   6 ')).toEqual({ equals: undefined, startsWith: 'ls1 6' });
  });
});

describe('pharmacies', () => {
  it('counts only active organisations with the pharmacy role and an ODS code', () => {
    expect(isPharmacy(pharmacy())).toBe(true);
    expect(isPharmacy(pharmacy({ active: false }))).toBe(false);
    expect(isPharmacy(pharmacy({ identifier: [] }))).toBe(false);
    expect(
      isPharmacy(pharmacy({ type: [{ coding: [{ system: ORGANISATION_ROLE_SYSTEM, code: '76' }] }] })),
    ).toBe(false);
  });

  it('shows a patient the name, address and public phone only', () => {
    const view = pharmacyView(
      pharmacy({
        telecom: [
          { system: 'phone', value: '01632 960 001', use: 'work' },
          { system: 'email', value: 'manager@example.com' },
        ],
        extension: [{ url: 'https://example.com/internal', valueString: 'x' }],
        contact: [{ name: { text: 'Manager' } }],
      }),
    );
    expect(view.telecom).toEqual([{ system: 'phone', value: '01632 960 001', use: 'work' }]);
    expect(view).not.toHaveProperty('extension');
    expect(view).not.toHaveProperty('contact');
    expect(addressLine(view)).toBe('12 High Street, Leeds, LS1 4AP');
  });

  it('reads an ODS code to nominate in capitals, or refuses it', () => {
    expect(nominationCode(' fcg71 ')).toBe('FCG71');
    expect(() => nominationCode('FC G71')).toThrow(Problem);
    expect(() => nominationCode('../x')).toThrow(Problem);
  });
});
