/**
 * Signing access tokens: ES256 JWTs with the `at+jwt` type (RFC 9068) so that one can never be
 * mistaken for an ID token or a client assertion, and the `kid` of the active key.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { AccessTokenClaims } from '../../platform/auth/principal.js';
import { buildAccessClaims, type ClaimInput, type Issuer } from './claims.js';
import { type KeyStore, SIGNING_ALG } from './keys.js';

export const ACCESS_TOKEN_TYPE = 'at+jwt';

export interface SignedAccessToken {
  token: string;
  claims: AccessTokenClaims;
  expiresIn: number;
}

export async function signAccessToken(
  keys: Pick<KeyStore, 'signingKey'>,
  claims: AccessTokenClaims,
): Promise<string> {
  const { kid, key } = await keys.signingKey();
  // The claims object is the whole payload: jose adds nothing when no setter is called.
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: SIGNING_ALG, typ: ACCESS_TOKEN_TYPE, kid })
    .sign(key);
}

/** Builds the claims (fresh jti, now) and signs them. */
export async function issueAccessToken(
  keys: Pick<KeyStore, 'signingKey'>,
  issuer: Issuer,
  input: Omit<ClaimInput, 'now' | 'jti'> & { now?: number },
): Promise<SignedAccessToken> {
  const now = input.now ?? Math.floor(Date.now() / 1000);
  const claims = buildAccessClaims(issuer, { ...input, now, jti: randomUUID() });
  return { token: await signAccessToken(keys, claims), claims, expiresIn: claims.exp - claims.iat };
}
