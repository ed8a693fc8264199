import type { Practitioner } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { SDS_USER_ID_SYSTEM } from '../../../test/support/register/systems.js';
import { Problem } from '../../platform/errors/problem.js';
import { GMC_NUMBER, NMC_NUMBER } from '../systems.js';
import { displayName, identifierPath, professionalNumbers } from './rules.js';

function problemOf(practitioner: Pick<Practitioner, 'identifier'>): Problem {
  try {
    professionalNumbers(practitioner);
  } catch (error) {
    if (error instanceof Problem) return error;
    throw error;
  }
  throw new Error('expected a Problem');
}

describe('professionalNumbers', () => {
  it('returns the professional numbers, distinct and sorted, and ignores other identifiers', () => {
    const numbers = professionalNumbers({
      identifier: [
        { system: SDS_USER_ID_SYSTEM, value: '555086689106' },
        { system: NMC_NUMBER, value: '12A3456E' },
        { system: GMC_NUMBER, value: '6095103' },
        { system: GMC_NUMBER, value: '6095103' },
        { system: 'https://fhir.hl7.org.uk/Id/din-number', value: '977677' },
      ],
    });
    expect(numbers).toEqual([
      { system: GMC_NUMBER, value: '6095103' },
      { system: NMC_NUMBER, value: '12A3456E' },
    ]);
  });

  it('accepts every professional number system of the contract', () => {
    for (const system of ['gmc-number', 'nmc-number', 'gphc-number', 'hcpc-number', 'professional-code']) {
      const full = `https://fhir.hl7.org.uk/Id/${system}`;
      expect(professionalNumbers({ identifier: [{ system: full, value: 'AB123' }] })).toEqual([
        { system: full, value: 'AB123' },
      ]);
    }
  });

  it('needs at least one professional number', () => {
    for (const identifier of [undefined, [], [{ system: SDS_USER_ID_SYSTEM, value: '555086689106' }]]) {
      const problem = problemOf({ identifier });
      expect(problem.code).toBe('MISSING_VALUE');
      expect(problem.issues[0]?.expression).toBe('Practitioner.identifier');
    }
  });

  it('refuses a malformed or empty number and names the identifier', () => {
    for (const value of ['12a3456e', '609 5103', '', 'X'.repeat(21), 'GMC-1']) {
      const problem = problemOf({
        identifier: [
          { system: SDS_USER_ID_SYSTEM, value: '1' },
          { system: GMC_NUMBER, value },
        ],
      });
      expect(['INVALID_VALUE', 'MISSING_VALUE']).toContain(problem.code);
      expect(problem.issues[0]?.expression).toBe('Practitioner.identifier[1].value');
    }
    expect(problemOf({ identifier: [{ system: GMC_NUMBER }] }).code).toBe('MISSING_VALUE');
  });
});

describe('identifierPath', () => {
  it('names the identifier carrying a number', () => {
    const practitioner = {
      identifier: [
        { system: SDS_USER_ID_SYSTEM, value: '1' },
        { system: GMC_NUMBER, value: '7' },
      ],
    };
    expect(identifierPath(practitioner, { system: GMC_NUMBER, value: '7' })).toBe(
      'Practitioner.identifier[1]',
    );
    expect(identifierPath(practitioner, { system: GMC_NUMBER, value: '8' })).toBe('Practitioner.identifier');
  });
});

describe('displayName', () => {
  it('prefers the official name, then usual, then the first; text over parts', () => {
    expect(
      displayName({
        name: [
          { use: 'nickname', text: 'Ash' },
          { use: 'official', prefix: ['Dr'], given: ['Asha', 'M'], family: 'Patel' },
        ],
      }),
    ).toBe('Dr Asha M Patel');
    expect(displayName({ name: [{ use: 'usual', text: ' Nurse Ben Carter ' }] })).toBe('Nurse Ben Carter');
  });

  it('falls back to the register id when there is no name', () => {
    expect(displayName({ id: 'p-1' })).toBe('Practitioner p-1');
  });
});
