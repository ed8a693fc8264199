import { describe, expect, it } from 'vitest';
import { Problem } from '../../errors/problem.js';
import { MAX_REASON_LENGTH, parseBreakGlassReason } from './break-glass.js';

function refusal(header: string | string[]): Problem {
  try {
    parseBreakGlassReason(header);
  } catch (error) {
    return error as Problem;
  }
  throw new Error('accepted');
}

describe('the break-the-glass reason', () => {
  it('is absent without the header', () => {
    expect(parseBreakGlassReason(undefined)).toBeUndefined();
  });

  it('is the stated text, trimmed', () => {
    expect(parseBreakGlassReason('  Unconscious in A&E, no GP record reachable ')).toBe(
      'Unconscious in A&E, no GP record reachable',
    );
    expect(parseBreakGlassReason('Réanimation — allergie ?')).toBe('Réanimation — allergie ?');
    expect(parseBreakGlassReason('x'.repeat(MAX_REASON_LENGTH))).toHaveLength(MAX_REASON_LENGTH);
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['too long', 'x'.repeat(MAX_REASON_LENGTH + 1)],
    ['a control character', 'emergency\u0007'],
    ['a NUL', 'emergency\u0000'],
    ['a lone surrogate', 'emergency \ud800'],
    ['given twice', ['one', 'two']],
  ])('is refused when %s, with a 400 naming the header', (_case, header) => {
    const problem = refusal(header);
    expect(problem).toBeInstanceOf(Problem);
    expect(problem.status).toBe(400);
    expect(problem.code).toBe('INVALID_VALUE');
    expect(problem.issues[0]?.expression).toBe('X-Break-Glass-Reason');
  });
});
