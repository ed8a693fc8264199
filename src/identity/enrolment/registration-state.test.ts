import { describe, expect, it } from 'vitest';
import {
  allows,
  isLive,
  nextStepName,
  REGISTRATION_MAX_FAILURES,
  REGISTRATION_TTL_MS,
  type RegistrationState,
  stateAfter,
  stateAfterFailure,
} from './registration-state.js';

describe('registration steps', () => {
  const now = new Date('2026-06-01T12:00:00Z');
  const live = (state: RegistrationState) => ({ state, expiresAt: new Date(now.getTime() + 1000) });

  it('allows each step only from its states', () => {
    expect(allows(live('verify-contact'), 'verify', now)).toBe(true);
    expect(allows(live('verify-contact'), 'choose-mfa', now)).toBe(false);
    expect(allows(live('verify-contact'), 'complete', now)).toBe(false);
    expect(allows(live('choose-mfa'), 'verify', now)).toBe(false);
    expect(allows(live('choose-mfa'), 'choose-mfa', now)).toBe(true);
    expect(allows(live('choose-mfa'), 'complete', now)).toBe(false);
    // Choosing again switches the method or sends another text.
    expect(allows(live('confirm-mfa'), 'choose-mfa', now)).toBe(true);
    expect(allows(live('confirm-mfa'), 'complete', now)).toBe(true);
    for (const step of ['verify', 'choose-mfa', 'complete'] as const) {
      expect(allows(live('failed'), step, now)).toBe(false);
    }
  });

  it('ends at expiry and when failed', () => {
    expect(isLive({ state: 'choose-mfa', expiresAt: now }, now)).toBe(false);
    expect(isLive({ state: 'choose-mfa', expiresAt: new Date(now.getTime() + 1) }, now)).toBe(true);
    expect(allows({ state: 'verify-contact', expiresAt: now }, 'verify', now)).toBe(false);
    expect(isLive(live('failed'), now)).toBe(false);
    expect(REGISTRATION_TTL_MS).toBe(30 * 60_000);
  });

  it('moves on in order and fails at the fifth failure', () => {
    expect(stateAfter('verify')).toBe('choose-mfa');
    expect(stateAfter('choose-mfa')).toBe('confirm-mfa');
    expect(stateAfterFailure('verify-contact', REGISTRATION_MAX_FAILURES - 1)).toBe('verify-contact');
    expect(stateAfterFailure('confirm-mfa', REGISTRATION_MAX_FAILURES)).toBe('failed');
    expect(REGISTRATION_MAX_FAILURES).toBe(5);
    expect(nextStepName('confirm-mfa')).toBe('confirm-mfa');
    expect(() => nextStepName('failed')).toThrow(TypeError);
  });
});
