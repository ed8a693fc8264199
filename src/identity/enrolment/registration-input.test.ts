import { describe, expect, it } from 'vitest';
import { CHI_NUMBER_SYSTEM, NHS_NUMBER_SYSTEM } from '../../nhs/index.js';
import { Problem } from '../../platform/errors/problem.js';
import {
  isBirthDate,
  isEmail,
  normaliseMobile,
  normalisePostcode,
  parseRegistration,
  passwordProblem,
} from './registration-input.js';

const now = new Date('2026-06-01T12:00:00Z');
const valid = {
  nhsNumber: '9434765919',
  birthDate: '1985-02-15',
  family: 'Smith',
  postcode: 'ls1 4ap',
  email: 'Jane.Smith+nhs@Example.org',
  mobile: '07700 900123',
  password: 'correct horse battery',
};

function problemOf(body: unknown): Problem {
  try {
    parseRegistration(body, now);
  } catch (error) {
    expect(error).toBeInstanceOf(Problem);
    return error as Problem;
  }
  throw new Error('expected a Problem');
}

describe('sign-up request rules', () => {
  it('gives typed, normalised values for a good request', () => {
    expect(parseRegistration(valid, now)).toEqual({
      identifier: { system: NHS_NUMBER_SYSTEM, value: '9434765919' },
      birthDate: '1985-02-15',
      family: 'Smith',
      postcode: 'LS1 4AP',
      email: 'jane.smith+nhs@example.org',
      mobile: '+447700900123',
      password: 'correct horse battery',
    });
    const chi = parseRegistration({ ...valid, nhsNumber: undefined, chiNumber: '150285 0001' }, now);
    expect(chi.identifier).toEqual({ system: CHI_NUMBER_SYSTEM, value: '1502850001' });
    expect(
      parseRegistration({ ...valid, nhsNumber: '943-476-5919', family: '  Smith   Jones ' }, now),
    ).toMatchObject({
      identifier: { value: '9434765919' },
      family: 'Smith Jones',
    });
  });

  it('wants exactly one of the NHS and CHI numbers, each valid', () => {
    expect(problemOf({ ...valid, nhsNumber: undefined }).issues[0]).toMatchObject({
      code: 'MISSING_VALUE',
      expression: 'nhsNumber',
    });
    expect(problemOf({ ...valid, chiNumber: '1502850001' }).issues[0]).toMatchObject({
      code: 'INVALID_VALUE',
      expression: 'chiNumber',
    });
    const checksum = problemOf({ ...valid, nhsNumber: '9434765918' }).issues[0]!;
    expect(checksum).toMatchObject({ code: 'INVALID_PATIENT_IDENTIFIER', expression: 'nhsNumber' });
    expect(checksum.diagnostics).not.toContain('9434765918');
    expect(problemOf({ ...valid, nhsNumber: undefined, chiNumber: '3213214321' }).issues[0]).toMatchObject({
      code: 'INVALID_PATIENT_IDENTIFIER',
      expression: 'chiNumber',
    });
    expect(problemOf({ ...valid, nhsNumber: 9434765919 }).issues[0]).toMatchObject({
      expression: 'nhsNumber',
    });
  });

  it('lists every malformed field, each once, in a 400', () => {
    const problem = problemOf({ nhsNumber: '9434765919', birthDate: '1985-13-01', email: 'x@' });
    expect(problem.status).toBe(400);
    expect(problem.issues.map((issue) => [issue.expression, issue.code])).toEqual([
      ['birthDate', 'INVALID_VALUE'],
      ['family', 'MISSING_VALUE'],
      ['postcode', 'MISSING_VALUE'],
      ['email', 'INVALID_VALUE'],
      ['mobile', 'MISSING_VALUE'],
      ['password', 'MISSING_VALUE'],
    ]);
    expect(problemOf('not an object').issues[0]!.code).toBe('INVALID_VALUE');
    expect(problemOf(null).issues).toHaveLength(1);
  });

  it('checks birth dates as real past dates', () => {
    expect(isBirthDate('2000-02-29', now)).toBe(true);
    expect(isBirthDate('1900-02-29', now)).toBe(false);
    expect(isBirthDate('1985-04-31', now)).toBe(false);
    expect(isBirthDate('2026-06-01', now)).toBe(true);
    expect(isBirthDate('2026-06-02', now)).toBe(false);
    expect(isBirthDate('1879-12-31', now)).toBe(false);
    expect(isBirthDate('1985-2-15', now)).toBe(false);
  });

  it('normalises UK postcodes and mobiles, refusing others', () => {
    expect(normalisePostcode(' sw1a2aa ')).toBe('SW1A 2AA');
    expect(normalisePostcode('EH1  1YZ')).toBe('EH1 1YZ');
    expect(normalisePostcode('12345')).toBeUndefined();
    expect(normaliseMobile('07700 900123')).toBe('+447700900123');
    expect(normaliseMobile('+44 (0)7700 900123')).toBeUndefined();
    expect(normaliseMobile('+44 7700-900-123')).toBe('+447700900123');
    expect(normaliseMobile('01134960000')).toBeUndefined();
    expect(normaliseMobile('0770090012')).toBeUndefined();
    expect(normaliseMobile('+33612345678')).toBeUndefined();
  });

  it('checks email addresses and the password policy', () => {
    expect(isEmail('a.b+c@example.co.uk')).toBe(true);
    expect(isEmail('a b@example.org')).toBe(false);
    expect(isEmail('a@b')).toBe(false);
    expect(isEmail(`${'a'.repeat(120)}@example.org`)).toBe(false);
    expect(passwordProblem('elevenchars')).toMatch(/at least 12/);
    expect(passwordProblem('twelve chars')).toBeUndefined();
    expect(passwordProblem('123456789012')).toMatch(/only digits/);
    expect(passwordProblem('x'.repeat(257))).toMatch(/at most 256/);
    expect(problemOf({ ...valid, password: 'x'.repeat(257) }).issues[0]).toMatchObject({
      expression: 'password',
    });
  });
});
