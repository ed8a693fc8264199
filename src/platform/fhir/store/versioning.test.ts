import { describe, expect, it } from 'vitest';
import { Problem } from '../../errors/problem.js';
import { checkIfMatch, etag, parseIfMatch, parseIfNoneExist } from './versioning.js';

describe('versioning', () => {
  it('formats weak ETags', () => {
    expect(etag(3)).toBe('W/"3"');
  });

  it.each([
    ['W/"3"', 3],
    ['"12"', 12],
    ['7', 7],
    [undefined, undefined],
    ['', undefined],
  ])('parses If-Match %s', (header, expected) => {
    expect(parseIfMatch(header)).toBe(expected);
  });

  it('rejects a malformed If-Match as INVALID_VALUE', () => {
    expect(() => parseIfMatch('W/"abc"')).toThrow(Problem);
  });

  it('passes a matching version and refuses a stale one with 412', () => {
    expect(() => checkIfMatch(2, 2)).not.toThrow();
    expect(() => checkIfMatch(undefined, 5)).not.toThrow();
    try {
      checkIfMatch(1, 2);
      expect.unreachable();
    } catch (error) {
      expect((error as Problem).status).toBe(412);
    }
    expect(() => checkIfMatch(1, undefined)).toThrow(Problem);
  });

  it('parses If-None-Exist with or without a type prefix', () => {
    expect(parseIfNoneExist('identifier=a|b')?.get('identifier')).toBe('a|b');
    expect(parseIfNoneExist('Patient?identifier=a|b')?.get('identifier')).toBe('a|b');
    expect(parseIfNoneExist(undefined)).toBeUndefined();
    expect(() => parseIfNoneExist('?')).toThrow(Problem);
  });
});
