/** PKCE S256 (RFC 7636) and the hashing of bearer handles and codes (pure). */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

export const isCodeChallenge = (value: unknown): value is string =>
  typeof value === 'string' && CHALLENGE.test(value);

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** Constant-time: how much of the challenge matched must not leak through timing. */
export function verifierMatches(verifier: string, challenge: string): boolean {
  if (!VERIFIER.test(verifier)) return false;
  const expected = Buffer.from(challenge, 'ascii');
  const actual = Buffer.from(s256(verifier), 'ascii');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** A random bearer value (login handle, authorization code): 256 bits, base64url. */
export const randomToken = (): string => randomBytes(32).toString('base64url');

/**
 * What is stored and looked up: a SHA-256 of the bearer value. The values are 256-bit random, so
 * an index lookup on the hash reveals nothing useful by timing, and a database leak yields none.
 */
export const tokenHash = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');
