/**
 * The fake PDS's patients: synthetic people with NHS numbers from the range PDS's own sandbox
 * uses (9000000xxx, valid Modulus 11 check digits). One of each case enrolment must handle.
 */
import type { Patient } from '@medplum/fhirtypes';
import { NHS_NUMBER_SYSTEM } from '../../../nhs/index.js';

function person(
  nhsNumber: string,
  family: string,
  given: string,
  birthDate: string,
  postalCode: string,
  extra: Partial<Patient> = {},
): Patient {
  return {
    resourceType: 'Patient',
    id: nhsNumber,
    identifier: [{ system: NHS_NUMBER_SYSTEM, value: nhsNumber }],
    name: [{ use: 'usual', family, given: [given] }],
    gender: 'unknown',
    birthDate,
    address: [{ use: 'home', line: ['1 Example Street'], city: 'Leeds', postalCode }],
    ...extra,
  };
}

/** Keyed by the NHS number asked for (a superseded number answers its successor's record). */
export function fakePdsPatients(): Map<string, Patient> {
  const jane = person('9000000009', 'Smith', 'Jane', '1985-02-15', 'LS1 4AP');
  return new Map<string, Patient>([
    ['9000000009', jane],
    ['9000000017', person('9000000017', 'Núñez-Ó Briain', 'Aoife', '1990-07-29', 'YO1 7HH')],
    [
      '9000000025',
      person('9000000025', 'Taylor', 'Robin', '1931-01-01', 'LS6 2QB', {
        deceasedDateTime: '2024-03-01T10:00:00+00:00',
      }),
    ],
    // 9000000033 was superseded by 9000000009: PDS answers Jane's record for it.
    ['9000000033', jane],
    [
      '9000000041',
      person('9000000041', 'Ahmed', 'Sami', '2003-11-30', 'M1 1AE', {
        address: [
          { use: 'old', postalCode: 'BD1 1AA', period: { end: '2019-12-31' } },
          { use: 'home', line: ['2 Example Road'], city: 'Manchester', postalCode: 'M1 1AE' },
        ],
      }),
    ],
  ]);
}
