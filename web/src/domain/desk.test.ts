import { describe, expect, it } from 'vitest';
import { formatNhsNumber, roleName, searchProblem } from './desk';

describe('service desk words', () => {
  it('names roles in plain words and prints NHS numbers in groups of 3, 3 and 4', () => {
    expect(roleName('patient')).toBe('Patient');
    expect(roleName('service-desk')).toBe('Service desk');
    expect(roleName('something-new')).toBe('something-new');
    expect(formatNhsNumber('9434765919')).toBe('943 476 5919');
    expect(formatNhsNumber('94347')).toBe('94347');
  });

  it('checks a look-up before sending it: an email or username, a real NHS number, an account ID', () => {
    expect(searchProblem('username', ' ', 'q')).toEqual({
      field: 'q',
      message: 'Enter an email address or username',
    });
    expect(searchProblem('username', 'alex.hughes@example.com', 'q')).toBeUndefined();
    expect(searchProblem('nhsNumber', '', 'q')?.message).toBe('Enter an NHS number');
    expect(searchProblem('nhsNumber', 'Patient/1234', 'q')?.message).toBe('NHS number must be 10 numbers');
    expect(searchProblem('nhsNumber', '943 476 5918', 'q')?.message).toBe('Enter a valid NHS number');
    expect(searchProblem('nhsNumber', '943 476 5919', 'q')).toBeUndefined();
    expect(searchProblem('identifier', 'Patient/1234', 'q')?.message).toMatch(/^Enter the account ID/);
    expect(searchProblem('identifier', '3f2b8c1e-5d4a-4e7b-9c0d-1a2b3c4d5e6f', 'q')).toBeUndefined();
  });
});
