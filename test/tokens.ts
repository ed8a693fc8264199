/**
 * Access tokens for API tests, signed by the app's own key store exactly as /oauth2/token signs
 * them, so a test can act as any role without walking the sign-in flow each time.
 */
import type { Pathways } from '../src/app.js';
import { issuerOf } from '../src/identity/oauth/claims.js';
import { issueAccessToken } from '../src/identity/oauth/tokens.js';
import type { Role } from '../src/platform/auth/principal.js';

export interface TokenInput {
  roles: Role[];
  fhirUser?: string;
  org?: string;
  /** Defaults to a fresh password + OTP sign-in (passes step-up). */
  amr?: string[];
  authTime?: number;
  subject?: string;
}

export async function tokenFor(pathways: Pathways, publicUrl: string, input: TokenInput): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const { token } = await issueAccessToken(pathways.identity.keys, issuerOf(publicUrl), {
    subject: input.subject ?? `test-${input.roles.join('-')}`,
    roles: input.roles,
    scope: 'user/*.*',
    amr: input.amr ?? ['pwd', 'otp'],
    authTime: input.authTime ?? now,
    ...(input.fhirUser ? { fhirUser: input.fhirUser } : {}),
    ...(input.org ? { org: input.org } : {}),
  });
  return `Bearer ${token}`;
}
