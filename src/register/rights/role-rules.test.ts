import type { PractitionerRole } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { Problem } from '../../platform/errors/problem.js';
import { ODS_SYSTEM, PRESCRIBING_RIGHT_SYSTEM } from '../systems.js';
import { checkPractitionerRole, checkRoleChange, rightsOf } from './role-rules.js';

const base: PractitionerRole = {
  resourceType: 'PractitionerRole',
  practitioner: { reference: 'Practitioner/p-1' },
  organization: { identifier: { system: ODS_SYSTEM, value: 'A83008' } },
  active: true,
  code: [
    { coding: [{ system: PRESCRIBING_RIGHT_SYSTEM, code: 'independent' }] },
    { coding: [{ system: 'https://fhir.nhs.uk/CodeSystem/NHSDigital-SDS-JobRoleCode', code: 'R8000' }] },
  ],
};

function problemOf(role: PractitionerRole): Problem {
  try {
    checkPractitionerRole(role);
  } catch (error) {
    if (error instanceof Problem) return error;
    throw error;
  }
  throw new Error('expected a Problem');
}

describe('checkPractitionerRole', () => {
  it('returns the practitioner, the ODS code and the rights', () => {
    expect(checkPractitionerRole(base)).toEqual({
      practitionerId: 'p-1',
      orgOds: 'A83008',
      rights: ['independent'],
    });
  });

  it('needs the practitioner as a Practitioner/<id> reference', () => {
    expect(problemOf({ ...base, practitioner: undefined }).code).toBe('MISSING_VALUE');
    for (const reference of [
      'Patient/1',
      'http://x/fhir/R4/Practitioner/1',
      'Practitioner/1/_history/2',
      undefined,
    ]) {
      const problem = problemOf({ ...base, practitioner: reference ? { reference } : { display: 'Dr X' } });
      expect(problem.code).toBe('INVALID_VALUE');
      expect(problem.issues[0]?.expression).toBe('PractitionerRole.practitioner.reference');
    }
  });

  it('needs the organisation by a well-formed ODS identifier', () => {
    expect(problemOf({ ...base, organization: undefined }).code).toBe('MISSING_VALUE');
    expect(problemOf({ ...base, organization: { reference: 'Organization/x' } }).issues[0]?.expression).toBe(
      'PractitionerRole.organization.identifier',
    );
    const wrongSystem = problemOf({
      ...base,
      organization: { identifier: { system: 'urn:x', value: 'A83008' } },
    });
    expect(wrongSystem.issues[0]?.expression).toBe('PractitionerRole.organization.identifier.system');
    for (const value of ['a83008', 'A8', 'A83008-X', 'ABCDEFGHIJK']) {
      const problem = problemOf({ ...base, organization: { identifier: { system: ODS_SYSTEM, value } } });
      expect(problem.code).toBe('INVALID_VALUE');
      expect(problem.issues[0]?.expression).toBe('PractitionerRole.organization.identifier.value');
    }
  });

  it('refuses an unknown code in the prescribing-right system and names it', () => {
    const problem = problemOf({
      ...base,
      code: [
        { coding: [{ system: PRESCRIBING_RIGHT_SYSTEM, code: 'independent' }] },
        {
          coding: [
            { system: 'urn:other', code: 'x' },
            { system: PRESCRIBING_RIGHT_SYSTEM, code: 'everything' },
          ],
        },
      ],
    });
    expect(problem.code).toBe('INVALID_VALUE');
    expect(problem.issues[0]?.expression).toBe('PractitionerRole.code[1].coding[1].code');
  });

  it('accepts a role with no rights at all', () => {
    expect(checkPractitionerRole({ ...base, code: undefined }).rights).toEqual([]);
  });
});

describe('rightsOf', () => {
  it('lists each right once in the register order', () => {
    const role = {
      code: [
        { coding: [{ system: PRESCRIBING_RIGHT_SYSTEM, code: 'controlled-drugs' }] },
        { coding: [{ system: PRESCRIBING_RIGHT_SYSTEM, code: 'supplementary' }] },
        { coding: [{ system: PRESCRIBING_RIGHT_SYSTEM, code: 'controlled-drugs' }] },
      ],
    };
    expect(rightsOf(role)).toEqual(['supplementary', 'controlled-drugs']);
  });
});

describe('checkRoleChange', () => {
  const facts = { practitionerId: 'p-1', orgOds: 'A83008', rights: [] };

  it('allows any change of rights, active or period, and any first version', () => {
    expect(() => checkRoleChange(undefined, facts)).not.toThrow();
    expect(() => checkRoleChange(facts, { ...facts, rights: ['independent'] })).not.toThrow();
  });

  it('refuses moving a role to another practitioner or organisation', () => {
    expect(() => checkRoleChange(facts, { ...facts, practitionerId: 'p-2' })).toThrow(
      /practitioner cannot change/,
    );
    expect(() => checkRoleChange(facts, { ...facts, orgOds: 'B81001' })).toThrow(
      /organisation cannot change/,
    );
  });
});
