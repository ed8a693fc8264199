import type { Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { NHS_NUMBER_SYSTEM } from '../../nhs/index.js';
import { demographicsOf, localCopyOf } from './demographics.js';

const now = new Date('2026-06-01T12:00:00Z');

describe('what enrolment reads from a Patient', () => {
  it('takes the current official name, the current home postcode (normalised) and the birth date', () => {
    const patient: Patient = {
      resourceType: 'Patient',
      id: 'p1',
      name: [
        { use: 'maiden', family: 'Brown' },
        { use: 'usual', family: 'Jones' },
        { use: 'official', family: 'Smith', period: { end: '2020-01-01' } },
        { use: 'official', family: 'Smyth' },
      ],
      birthDate: '1985-02-15',
      address: [
        { use: 'old', postalCode: 'M1 1AE' },
        { use: 'home', postalCode: 'bd11aa', period: { end: '2021-05-01' } },
        { use: 'temp', postalCode: 'YO1 7HH' },
        { use: 'home', postalCode: 'ls14ap' },
      ],
    };
    expect(demographicsOf(patient, now)).toEqual({
      patient: 'Patient/p1',
      family: 'Smyth',
      birthDate: '1985-02-15',
      postcode: 'LS1 4AP',
      deceased: false,
      merged: false,
    });
  });

  it('falls back to a usual or unlabelled name and any current address', () => {
    const patient: Patient = {
      resourceType: 'Patient',
      id: 'p2',
      name: [{ family: 'Plain' }, { use: 'usual', family: 'Usual' }],
      address: [{ use: 'temp', postalCode: 'YO1 7HH' }],
    };
    expect(demographicsOf(patient, now)).toMatchObject({ family: 'Usual', postcode: 'YO1 7HH' });
    expect(
      demographicsOf({ resourceType: 'Patient', id: 'p3', name: [{ family: 'Plain' }] }, now),
    ).toMatchObject({
      family: 'Plain',
      postcode: undefined,
      birthDate: undefined,
    });
    expect(
      demographicsOf({ resourceType: 'Patient', id: 'p4', name: [{ use: 'old', family: 'Gone' }] }, now)
        .family,
    ).toBeUndefined();
  });

  it('sees deceased (boolean or date) and merged (replaced-by) records', () => {
    const base: Patient = { resourceType: 'Patient', id: 'p5' };
    expect(demographicsOf({ ...base, deceasedBoolean: true }, now).deceased).toBe(true);
    expect(demographicsOf({ ...base, deceasedBoolean: false }, now).deceased).toBe(false);
    expect(demographicsOf({ ...base, deceasedDateTime: '2024-01-01' }, now).deceased).toBe(true);
    expect(
      demographicsOf({ ...base, link: [{ type: 'replaced-by', other: { reference: 'Patient/x' } }] }, now)
        .merged,
    ).toBe(true);
    expect(
      demographicsOf({ ...base, link: [{ type: 'seealso', other: { reference: 'Patient/x' } }] }, now).merged,
    ).toBe(false);
  });

  it('keeps only identifier, name, gender, birth date and address of an external record', () => {
    const external: Patient = {
      resourceType: 'Patient',
      id: '9000000009',
      meta: { versionId: '2' },
      identifier: [
        { system: NHS_NUMBER_SYSTEM, value: '9000000009', extension: [{ url: 'x', valueString: 'y' }] },
      ],
      name: [{ use: 'usual', family: 'Smith', given: ['Jane'], prefix: ['Mrs'] }],
      gender: 'female',
      birthDate: '1985-02-15',
      telecom: [{ system: 'phone', value: '01632 960000' }],
      address: [{ use: 'home', line: ['1 Street'], postalCode: 'LS1 4AP', id: 'abc' }],
      generalPractitioner: [{ reference: 'Organization/Y12345' }],
    };
    expect(localCopyOf(external, { system: NHS_NUMBER_SYSTEM, value: '9000000009' })).toEqual({
      resourceType: 'Patient',
      identifier: [{ system: NHS_NUMBER_SYSTEM, value: '9000000009' }],
      name: [{ use: 'usual', family: 'Smith', given: ['Jane'] }],
      gender: 'female',
      birthDate: '1985-02-15',
      address: [{ use: 'home', line: ['1 Street'], postalCode: 'LS1 4AP' }],
    });
  });
});
