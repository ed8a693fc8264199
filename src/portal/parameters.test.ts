import { describe, expect, it } from 'vitest';
import { Problem } from '../platform/errors/problem.js';
import {
  booleanParameter,
  codeParameter,
  conceptParameter,
  readParameters,
  referencedId,
  referenceParameter,
  stringParameter,
} from './parameters.js';

const params = (...parameter: object[]) => ({ resourceType: 'Parameters', parameter });

function problemOf(run: () => unknown): Problem {
  try {
    run();
  } catch (error) {
    if (error instanceof Problem) return error;
    throw error;
  }
  throw new Error('expected a Problem');
}

describe('readParameters', () => {
  const specs = {
    reason: { types: ['valueString', 'valueCodeableConcept'] as const },
    outcome: { types: ['valueCode'] as const },
    consent: { types: ['valueBoolean'] as const },
    slot: { types: ['valueReference'] as const },
    email: { types: ['valueString'] as const, mayBeEmpty: true, maxLength: 20 },
  };

  it('reads each kind of value', () => {
    const given = readParameters(
      params(
        { name: 'reason', valueString: ' Feeling better ' },
        { name: 'outcome', valueCode: 'completed' },
        { name: 'consent', valueBoolean: false },
        { name: 'slot', valueReference: { reference: 'Slot/abc' } },
        { name: 'email' },
      ),
      specs,
    );
    expect(stringParameter(given, 'reason')).toBe('Feeling better');
    expect(conceptParameter(given, 'reason')).toEqual({ text: 'Feeling better' });
    expect(codeParameter(given, 'outcome')).toBe('completed');
    expect(booleanParameter(given, 'consent')).toBe(false);
    expect(referenceParameter(given, 'slot')).toBe('Slot/abc');
    expect(given.has('email')).toBe(true);
    expect(stringParameter(given, 'email')).toBeUndefined();
  });

  it('takes a missing body or no parameters as none given', () => {
    expect(readParameters(undefined, specs).size).toBe(0);
    expect(readParameters({ resourceType: 'Parameters' }, specs).size).toBe(0);
  });

  it('refuses what is not a Parameters resource', () => {
    const problem = problemOf(() => readParameters({ resourceType: 'Patient' }, specs));
    expect(problem.code).toBe('INVALID_VALUE');
    expect(problem.issues[0]?.expression).toBe('resourceType');
    expect(problemOf(() => readParameters({ resourceType: 'Parameters', parameter: {} }, specs)).code).toBe(
      'INVALID_VALUE',
    );
  });

  it('names an unknown, repeated or mistyped parameter', () => {
    const unknown = problemOf(() => readParameters(params({ name: 'resaon', valueString: 'x' }), specs));
    expect(unknown.issues[0]?.expression).toBe('Parameters.parameter[0].name');
    expect(unknown.message).toContain('resaon');
    const twice = problemOf(() =>
      readParameters(params({ name: 'outcome', valueCode: 'a' }, { name: 'outcome', valueCode: 'b' }), specs),
    );
    expect(twice.issues[0]?.expression).toBe('Parameters.parameter[1]');
    const wrongType = problemOf(() => readParameters(params({ name: 'consent', valueString: 'yes' }), specs));
    expect(wrongType.issues[0]?.expression).toBe('Parameters.parameter[0].valueString');
    const part = problemOf(() => readParameters(params({ name: 'consent', part: [] }), specs));
    expect(part.issues[0]?.expression).toBe('Parameters.parameter[0].part');
    const two = problemOf(() =>
      readParameters(
        params({ name: 'reason', valueString: 'a', valueCodeableConcept: { text: 'b' } }),
        specs,
      ),
    );
    expect(two.code).toBe('INVALID_VALUE');
  });

  it('checks values: non-empty strings within their length, real booleans, codes, references, concepts', () => {
    expect(problemOf(() => readParameters(params({ name: 'reason', valueString: '  ' }), specs)).code).toBe(
      'INVALID_VALUE',
    );
    expect(
      problemOf(() => readParameters(params({ name: 'email', valueString: 'x'.repeat(21) }), specs)).message,
    ).toContain('at most 20');
    expect(
      problemOf(() => readParameters(params({ name: 'consent', valueBoolean: 'true' }), specs)).code,
    ).toBe('INVALID_VALUE');
    expect(
      problemOf(() => readParameters(params({ name: 'outcome', valueCode: 'two  spaces' }), specs)).code,
    ).toBe('INVALID_VALUE');
    expect(problemOf(() => readParameters(params({ name: 'slot', valueReference: {} }), specs)).code).toBe(
      'INVALID_VALUE',
    );
    expect(
      problemOf(() => readParameters(params({ name: 'reason', valueCodeableConcept: { coding: [] } }), specs))
        .code,
    ).toBe('INVALID_VALUE');
  });

  it('requires required parameters and values', () => {
    const required = { outcome: { types: ['valueCode'] as const, required: true } };
    const absent = problemOf(() => readParameters(params(), required));
    expect(absent.code).toBe('MISSING_VALUE');
    expect(absent.message).toContain('outcome');
    expect(problemOf(() => readParameters(params({ name: 'outcome' }), required)).code).toBe('MISSING_VALUE');
  });
});

describe('referencedId', () => {
  it('takes a relative reference of the expected type only', () => {
    expect(referencedId('Slot/abc-1', 'Slot', 'slot')).toBe('abc-1');
    expect(problemOf(() => referencedId('Appointment/abc', 'Slot', 'slot')).code).toBe('INVALID_VALUE');
    expect(problemOf(() => referencedId('http://elsewhere/fhir/Slot/abc', 'Slot', 'slot')).code).toBe(
      'INVALID_VALUE',
    );
    expect(problemOf(() => referencedId('Slot/a b', 'Slot', 'slot')).code).toBe('INVALID_VALUE');
  });
});
