import { describe, expect, it } from 'vitest';
import { DatabaseUnavailableError, isConnectionError } from './unavailable.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isConnectionError', () => {
  it.each([
    ['a refused connection', withCode('ECONNREFUSED')],
    ['a reset connection', withCode('ECONNRESET')],
    ['an unresolvable host', withCode('ENOTFOUND')],
    ['a connection failure (08006)', withCode('08006')],
    ['a server shutting down (57P01, a terminated backend)', withCode('57P01')],
    ['a server crashed (57P02)', withCode('57P02')],
    ['a server starting up (57P03)', withCode('57P03')],
    ['too many connections (53300)', withCode('53300')],
    ['a write on a standby after a failover (25006)', withCode('25006')],
    ['a connection terminated mid-query', new Error('Connection terminated unexpectedly')],
    ['no pooled connection in time', new Error('timeout exceeded when trying to connect')],
    ['a broken pooled client', new Error('Client has encountered a connection error and is not queryable')],
    ['one already translated', new DatabaseUnavailableError(new Error('gone'))],
  ])('recognises %s', (_name, error) => {
    expect(isConnectionError(error)).toBe(true);
  });

  it.each([
    ['a unique violation', withCode('23505')],
    ['a syntax error', withCode('42601')],
    ['a serialization failure', withCode('40001')],
    ['a statement timeout', withCode('57014')],
    ['an ordinary error', new Error('something else')],
    ['a non-error', 'ECONNRESET'],
  ])('leaves %s alone', (_name, error) => {
    expect(isConnectionError(error)).toBe(false);
  });

  it('keeps the cause and whether the outcome is unknown', () => {
    const cause = withCode('ECONNRESET', 'reset at COMMIT');
    const error = new DatabaseUnavailableError(cause, true);
    expect(error.cause).toBe(cause);
    expect(error.outcomeUnknown).toBe(true);
    expect(error.message).toContain('reset at COMMIT');
  });
});
