import { describe, expect, it } from 'vitest';
import { fieldOf, problemOf, retryAfterOf, SERVICE_PROBLEM } from './problem';

const outcome = (diagnostics: string, code = 'INVALID_VALUE', expression?: string[]) => ({
  resourceType: 'OperationOutcome',
  issue: [
    {
      severity: 'error',
      code: 'invalid',
      diagnostics,
      details: { coding: [{ code }] },
      ...(expression ? { expression } : {}),
    },
  ],
});

describe('problems from the server', () => {
  it("uses an OperationOutcome's diagnostics, code and expression", () => {
    const problem = problemOf(400, outcome('email must be an email address', 'INVALID_VALUE', ['email']));
    expect(problem).toEqual({
      status: 400,
      code: 'INVALID_VALUE',
      message: 'Email must be an email address.',
      expression: ['email'],
      retryAfterS: undefined,
    });
  });

  it('reads OAuth errors from the token endpoint', () => {
    const problem = problemOf(400, { error: 'invalid_grant', error_description: 'the code has expired' });
    expect(problem.code).toBe('invalid_grant');
    expect(problem.message).toBe('The code has expired.');
  });

  it('words locks and rate limits itself, with the wait from Retry-After', () => {
    expect(problemOf(423, outcome('locked', 'ACCOUNT_LOCKED'), '840').message).toBe(
      'Your account is locked because of too many wrong attempts. Try again in 14 minutes.',
    );
    expect(problemOf(423, {}).message).toBe('Your account is locked. Contact the service desk to unlock it.');
    expect(problemOf(429, {}, '30').message).toBe(
      'You have tried too many times. Wait 1 minute and try again.',
    );
    expect(problemOf(429, {}).message).toContain('Wait a few minutes');
  });

  it('never shows a server error or an unreadable body to the patient', () => {
    expect(problemOf(500, outcome('Internal error; quote request id abc')).message).toBe(SERVICE_PROBLEM);
    expect(problemOf(503, 'Bad gateway').message).toBe(SERVICE_PROBLEM);
    expect(problemOf(0, undefined).message).toBe(SERVICE_PROBLEM);
    expect(problemOf(400, { resourceType: 'OperationOutcome', issue: [{}] }).message).toBe(SERVICE_PROBLEM);
    expect(problemOf(400, outcome('   ')).message).toBe(SERVICE_PROBLEM);
  });

  it('keeps closing punctuation', () => {
    expect(problemOf(409, outcome('Already cancelled!')).message).toBe('Already cancelled!');
  });

  it('parses Retry-After seconds only', () => {
    expect(retryAfterOf('120')).toBe(120);
    expect(retryAfterOf(' 5 ')).toBe(5);
    expect(retryAfterOf('Wed, 21 Oct 2015 07:28:00 GMT')).toBeUndefined();
    expect(retryAfterOf(null)).toBeUndefined();
  });

  it('finds the form field an expression names', () => {
    const problem = problemOf(400, outcome('bad', 'INVALID_VALUE', ['Parameters.parameter', 'mobile']));
    expect(fieldOf(problem, ['email', 'mobile'])).toBe('mobile');
    expect(fieldOf(problemOf(400, outcome('bad', 'INVALID_VALUE', ['Patient.email'])), ['email'])).toBe(
      'email',
    );
    expect(fieldOf(problem, ['postcode'])).toBeUndefined();
  });
});
