import { describe, expect, it } from 'vitest';
import { Problem } from '../errors/problem.js';
import {
  arrayAt,
  objectAt,
  objectsAt,
  optionalObjectAt,
  optionalStringAt,
  shownValue,
  stringAt,
} from './json-shape.js';

function problemOf(read: () => unknown): {
  code: string;
  expression: string | undefined;
  diagnostics: string;
} {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(Problem);
    const issue = (error as Problem).issues[0]!;
    return { code: issue.code, expression: issue.expression, diagnostics: issue.diagnostics };
  }
  throw new Error('expected a Problem');
}

describe('json-shape', () => {
  it('returns values of the right JSON type as they are', () => {
    const object = { a: 1 };
    expect(objectAt(object, 'X')).toBe(object);
    expect(optionalObjectAt(undefined, 'X')).toBeUndefined();
    expect(arrayAt(undefined, 'X')).toEqual([]);
    expect(arrayAt([1, 'a'], 'X')).toEqual([1, 'a']);
    expect(objectsAt([{}, { b: 2 }], 'X')).toEqual([{}, { b: 2 }]);
    expect(stringAt('s', 'X')).toBe('s');
    expect(optionalStringAt(undefined, 'X')).toBeUndefined();
  });

  it('names the element and what it was instead of what it must be', () => {
    expect(problemOf(() => objectAt([], 'Bundle.entry[0]'))).toEqual({
      code: 'INVALID_VALUE',
      expression: 'Bundle.entry[0]',
      diagnostics: 'Bundle.entry[0] must be an object, not an array',
    });
    expect(problemOf(() => objectAt(undefined, 'Task.code')).code).toBe('MISSING_VALUE');
    expect(problemOf(() => objectAt(null, 'A')).diagnostics).toMatch(/not null/);
    expect(problemOf(() => arrayAt({}, 'Bundle.entry')).diagnostics).toBe(
      'Bundle.entry must be an array, not an object',
    );
    expect(problemOf(() => objectsAt([{}, null], 'P.parameter')).expression).toBe('P.parameter[1]');
    expect(problemOf(() => stringAt({ toString: 'x' }, 'Patient.resourceType')).diagnostics).toBe(
      'Patient.resourceType must be a string, not an object',
    );
    expect(problemOf(() => optionalStringAt(['a'], 'E.url')).expression).toBe('E.url');
  });

  it('shows any value safely in a diagnostic', () => {
    expect(shownValue({ toString: 'x' })).toBe('an object');
    expect(shownValue('x'.repeat(100))).toMatch(/^'x{61}\.\.\.'$/);
    expect(shownValue(7)).toBe('a number');
  });
});
