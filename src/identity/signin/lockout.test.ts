import { describe, expect, it } from 'vitest';
import { currentLock, LOCKOUT_POLICY, lockAfterFailure, strongestLock } from './lockout.js';

const now = new Date('2026-01-01T10:00:00Z');

describe('lockout policy', () => {
  it('locks for 15 minutes from the 5th failure and for good at the 10th', () => {
    expect(lockAfterFailure(4, now)).toBeUndefined();
    expect(lockAfterFailure(5, now)).toEqual({
      permanent: false,
      until: new Date(now.getTime() + LOCKOUT_POLICY.temporaryMs),
    });
    expect(lockAfterFailure(9, now)).toMatchObject({ permanent: false });
    expect(lockAfterFailure(10, now)).toEqual({ permanent: true });
    expect(lockAfterFailure(11, now)).toEqual({ permanent: true });
  });

  it('reports the remaining time, rounded up, and nothing once the lock has passed', () => {
    const until = new Date(now.getTime() + 90_500);
    expect(currentLock({ status: 'active', lockedUntil: until }, now)).toEqual({
      locked: true,
      permanent: false,
      until,
      retryAfterS: 91,
    });
    expect(currentLock({ status: 'active', lockedUntil: until }, until)).toEqual({ locked: false });
    expect(currentLock({ status: 'active' }, now)).toEqual({ locked: false });
    expect(currentLock({ status: 'locked' }, now)).toEqual({ locked: true, permanent: true });
  });

  it('locks a count at the permanent threshold for good, whatever the status', () => {
    expect(currentLock({ status: 'suspended', failedCount: 10 }, now)).toEqual({
      locked: true,
      permanent: true,
    });
    expect(currentLock({ failedCount: 9 }, now)).toEqual({ locked: false });
  });

  it('picks the lock that holds longest', () => {
    const soon = currentLock({ lockedUntil: new Date(now.getTime() + 60_000) }, now);
    const later = currentLock({ lockedUntil: new Date(now.getTime() + 600_000) }, now);
    const forGood = currentLock({ status: 'locked' }, now);
    expect(strongestLock([])).toEqual({ locked: false });
    expect(strongestLock([{ locked: false }, soon])).toBe(soon);
    expect(strongestLock([soon, later, { locked: false }])).toBe(later);
    expect(strongestLock([later, forGood, soon])).toBe(forGood);
  });
});
