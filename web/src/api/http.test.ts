import { describe, expect, it } from 'vitest';
import { challengeOf } from './http';

describe('bearer challenges', () => {
  it('recognises the step-up challenge of RFC 9470', () => {
    expect(challengeOf('Bearer error="insufficient_user_authentication", max_age=900')).toEqual({
      stepUp: true,
      invalidToken: false,
    });
  });

  it('recognises an expired or revoked token', () => {
    expect(challengeOf('Bearer error="invalid_token", error_description="expired"')).toEqual({
      stepUp: false,
      invalidToken: true,
    });
  });

  it('treats a missing or plain challenge as neither', () => {
    expect(challengeOf(null)).toEqual({ stepUp: false, invalidToken: false });
    expect(challengeOf('Bearer realm="pathways"')).toEqual({ stepUp: false, invalidToken: false });
  });
});
