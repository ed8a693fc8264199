import { describe, expect, it } from 'vitest';
import { currentLock, LOCKOUT_POLICY, lockAfterFailure } from './lockout.js';

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
});
