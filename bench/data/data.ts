/**
 * Synthetic data: Patients with valid-check-digit NHS numbers and Organizations. Family names all
 * have the same length so that no name is a prefix of another (FHIR string search matches
 * prefixes), which keeps `?family=` at about seeded/families matches each.
 */
import type { Organization, Patient } from '@medplum/fhirtypes';
import { NHS_NUMBER_SYSTEM, ODS_SYSTEM } from '../../src/nhs/index.js';


const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'to', 'vi', 'da', 'fe', 'ho', 'ju'];
const GIVEN = ['Alex', 'Sam', 'Jordan', 'Priya', 'Tom', 'Aisha', 'Chen', 'Maria', 'Oluwaseun', 'Niamh'];
const TOWNS = ['Leeds', 'York', 'Bradford', 'Hull', 'Sheffield', 'Wakefield'];

/** The n-th family name: three syllables, capitalised (1,728 distinct names). */
export function familyName(n: number): string {
  const size = SYLLABLES.length;
  const name = `${SYLLABLES[n % size]}${SYLLABLES[Math.floor(n / size) % size]}${SYLLABLES[Math.floor(n / size / size) % size]}`;
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/**
 * A distinct NHS number (mod-11 check digit) for every n: the nine digits are `base + 2n` or, when
 * that one's check digit would be 10 (invalid), `base + 2n + 1`. The last digit weighs 2, so the
 * two candidates' check digits differ by 2 and cannot both be 10. `base` must be even.
 */
export function nhsNumber(n: number, base: number): string {
  const checked = (candidate: number) => {
    const digits = String(candidate).padStart(9, '0').slice(-9);
    let sum = 0;
    for (let i = 0; i < 9; i++) sum += Number(digits[i]) * (10 - i);
    const check = (11 - (sum % 11)) % 11;
    return check === 10 ? undefined : `${digits}${check}`;
  };
  return checked(base + n * 2) ?? checked(base + n * 2 + 1)!;
}

export function patient(n: number, nhs: string, families: number): Patient {
  return {
    resourceType: 'Patient',
    identifier: [{ system: NHS_NUMBER_SYSTEM, value: nhs }],
    active: true,
    name: [{ use: 'official', family: familyName(n % families), given: [GIVEN[n % GIVEN.length]!, 'Bench'] }],
    telecom: [{ system: 'phone', value: `0113 496 ${String(n % 10_000).padStart(4, '0')}`, use: 'home' }],
    gender: n % 2 === 0 ? 'female' : 'male',
    birthDate: `${1940 + (n % 80)}-${String((n % 12) + 1).padStart(2, '0')}-${String((n % 28) + 1).padStart(2, '0')}`,
    address: [
      {
        use: 'home',
        line: [`${(n % 200) + 1} Bench Street`],
        city: TOWNS[n % TOWNS.length]!,
        postalCode: 'LS1 4AP',
        country: 'GB',
      },
    ],
    generalPractitioner: [{ identifier: { system: ODS_SYSTEM, value: 'A83008' } }],
  };
}

export function organization(n: number): Organization {
  return {
    resourceType: 'Organization',
    identifier: [{ system: ODS_SYSTEM, value: `FB${String(n).padStart(4, '0')}` }],
    active: true,
    type: [{ coding: [{ system: 'https://fhir.nhs.uk/CodeSystem/organisation-role', code: '182' }] }],
    name: `Bench Pharmacy ${n}`,
    address: [{ city: TOWNS[n % TOWNS.length]!, country: 'GB' }],
  };
}
