/**
 * The 401 and 403 answers of bearer-token access, with their `WWW-Authenticate` challenges
 * (RFC 6750 section 3, RFC 9470 for step-up). One place, so every route challenges the same way.
 */
import { Problem } from '../errors/problem.js';

/** Quoted-string content: printable ASCII without quotes or backslashes (RFC 6750 section 3). */
function quoted(value: string): string {
  return `"${value.replace(/[^ -~]|["\\]/g, ' ')}"`;
}

/** No credentials at all: a bare challenge without an error code (RFC 6750 section 3.1). */
export function missingToken(): Problem {
  return new Problem('UNAUTHORIZED', 'An access token is required: send Authorization: Bearer <token>', {
    headers: { 'www-authenticate': 'Bearer' },
  });
}

/** A token was sent but is not acceptable (malformed, forged, expired, wrong audience, …). */
export function invalidToken(description: string): Problem {
  return new Problem('UNAUTHORIZED', description, {
    headers: { 'www-authenticate': `Bearer error="invalid_token", error_description=${quoted(description)}` },
  });
}

export const STEP_UP_DESCRIPTION = 'A recent sign-in with a one-time code is required';

/** RFC 9470: the token is fine but its authentication is not recent or strong enough. */
export function insufficientUserAuthentication(maxAgeS: number): Problem {
  return new Problem('UNAUTHORIZED', `${STEP_UP_DESCRIPTION} (within the last ${maxAgeS} seconds)`, {
    headers: {
      'www-authenticate': `Bearer error="insufficient_user_authentication", error_description=${quoted(STEP_UP_DESCRIPTION)}, max_age=${maxAgeS}`,
    },
  });
}

/** RFC 6750 section 3.1: the token lacks a scope the operation needs. */
export function insufficientScope(scopes: string[]): Problem {
  const description = `This operation needs the scope(s): ${scopes.join(' ')}`;
  return new Problem('FORBIDDEN', description, {
    headers: {
      'www-authenticate': `Bearer error="insufficient_scope", error_description=${quoted(description)}, scope=${quoted(scopes.join(' '))}`,
    },
  });
}
