/** Test helpers: generated signing keys and tokens shaped like Pathways' own (not used in production). */
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import type { Principal, Role } from '../../../src/platform/auth/principal.js';

export interface TestKey {
  kid: string;
  privateKey: CryptoKeyLike;
  publicJwk: JWK;
}
type CryptoKeyLike = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

export async function testKey(kid: string, alg = 'ES256'): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

export const ISSUER = 'http://localhost:3000';
export const AUDIENCE = 'http://localhost:3000/fhir/R4';

export async function signToken(
  key: TestKey,
  claims: JWTPayload,
  options: { nowS: number; lifetimeS?: number; typ?: string; alg?: string } = { nowS: 0 },
): Promise<string> {
  return new SignJWT({
    roles: ['prescriber'],
    amr: ['pwd', 'otp'],
    auth_time: options.nowS,
    scope: 'openid fhirUser',
    fhirUser: 'Practitioner/p1',
    org: 'A12345',
    ...claims,
  })
    .setProtectedHeader({ alg: options.alg ?? 'ES256', kid: key.kid, typ: options.typ ?? 'at+jwt' })
    .setIssuer((claims.iss as string | undefined) ?? ISSUER)
    .setAudience((claims.aud as string | undefined) ?? AUDIENCE)
    .setSubject((claims.sub as string | undefined) ?? 'account-1')
    .setIssuedAt(options.nowS)
    .setExpirationTime(options.nowS + (options.lifetimeS ?? 900))
    .setJti('jti-1')
    .sign(key.privateKey);
}

/**
 * A signed-in caller with one role, signed in a minute before `now` with a password and a code (so
 * step-up policies pass); a patient is linked to `Patient/p1`. For unit tests of access policies.
 */
export function principalWithRole(role: Role, now: Date): Principal {
  return {
    subject: 's',
    issuer: 'i',
    roles: [role],
    scopes: [],
    amr: ['pwd', 'otp'],
    authTime: Math.floor(now.getTime() / 1000) - 60,
    ...(role === 'patient' ? { fhirUser: 'Patient/p1' } : {}),
  };
}
