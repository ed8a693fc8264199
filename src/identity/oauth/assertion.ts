/**
 * Client authentication by signed JWT (private_key_jwt, RFC 7523 section 3 and OIDC Core 9).
 * The header is checked before any key is touched so that `alg: none` and HMAC (where a public
 * key could be abused as the shared secret) are refused outright; only the client's registered
 * public keys verify; a `jti` is accepted once while the assertion is alive.
 */
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, type JWTPayload, jwtVerify } from 'jose';
import type { Queryable } from '../../platform/database/database.js';
import { CLIENT_ASSERTION_ALGS, findClient, type OAuthClient } from './clients.js';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** An assertion may be valid at most this far ahead: short, since its jti must be remembered. */
export const MAX_ASSERTION_LIFETIME_S = 5 * 60;
export const CLOCK_SKEW_S = 30;

export class AssertionRejected extends Error {
  override name = 'AssertionRejected';
  constructor(
    message: string,
    /** The client it claimed to be, when it got that far (for the audit record). */
    readonly clientId?: string,
  ) {
    super(message);
  }
}

/** Pure: the header must name an asymmetric algorithm we accept. */
export function checkAssertionHeader(header: { alg?: unknown; typ?: unknown }): void {
  if (typeof header.alg !== 'string' || !(CLIENT_ASSERTION_ALGS as readonly string[]).includes(header.alg)) {
    throw new AssertionRejected(
      `client assertion algorithm ${String(header.alg)} not accepted (use ${CLIENT_ASSERTION_ALGS.join(', ')})`,
    );
  }
}

/** Pure: claims jose does not judge — iss = sub, a jti, and a short life. */
export function checkAssertionClaims(
  payload: JWTPayload,
  nowS: number,
): { clientId: string; jti: string; exp: number } {
  const { iss, sub, jti, exp } = payload;
  if (typeof iss !== 'string' || iss.length === 0 || iss !== sub) {
    throw new AssertionRejected('client assertion iss and sub must both be the client_id');
  }
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) {
    throw new AssertionRejected('client assertion must carry a jti', iss);
  }
  if (typeof exp !== 'number') throw new AssertionRejected('client assertion must carry exp', iss);
  if (exp > nowS + MAX_ASSERTION_LIFETIME_S + CLOCK_SKEW_S) {
    throw new AssertionRejected(
      `client assertion exp must be at most ${MAX_ASSERTION_LIFETIME_S} s ahead`,
      iss,
    );
  }
  return { clientId: iss, jti, exp };
}

export interface AssertionContext {
  /** Acceptable `aud` values: the token endpoint URL and the issuer. */
  audiences: string[];
  nowS?: number;
}

/** Verifies the assertion and records its jti; returns the authenticated client. */
export async function authenticateClient(
  tx: Queryable,
  assertion: string,
  context: AssertionContext,
): Promise<OAuthClient> {
  const nowS = context.nowS ?? Math.floor(Date.now() / 1000);
  let header: ReturnType<typeof decodeProtectedHeader>;
  let unverified: JWTPayload;
  try {
    header = decodeProtectedHeader(assertion);
    unverified = decodeJwt(assertion);
  } catch {
    throw new AssertionRejected('client assertion is not a JWT');
  }
  checkAssertionHeader(header);
  const claimed = checkAssertionClaims(unverified, nowS);
  const client = await findClient(tx, claimed.clientId);
  if (!client) throw new AssertionRejected('unknown client', claimed.clientId);
  if (client.status !== 'active') throw new AssertionRejected('client is disabled', client.clientId);
  try {
    await jwtVerify(assertion, createLocalJWKSet(client.jwks), {
      algorithms: [...CLIENT_ASSERTION_ALGS],
      issuer: client.clientId,
      subject: client.clientId,
      audience: context.audiences,
      requiredClaims: ['exp', 'jti'],
      clockTolerance: CLOCK_SKEW_S,
      currentDate: new Date(nowS * 1000),
    });
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'ERR_JWT_INVALID';
    throw new AssertionRejected(`client assertion rejected (${describe(code)})`, client.clientId);
  }
  await rememberJti(tx, client.clientId, claimed.jti, claimed.exp + CLOCK_SKEW_S, nowS);
  return client;
}

function describe(code: string): string {
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return 'a claim is wrong: check aud, iss, sub, nbf';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'signature does not verify with the registered keys';
    default:
      return 'invalid';
  }
}

/** First use of a jti wins; a second one is a replay. Expired entries are swept on the way. */
async function rememberJti(tx: Queryable, clientId: string, jti: string, untilS: number, nowS: number) {
  await tx.query('DELETE FROM oauth_client_assertion WHERE expires_at < to_timestamp($1)', [nowS]);
  const inserted = await tx.query(
    `INSERT INTO oauth_client_assertion (client_id, jti, expires_at) VALUES ($1, $2, to_timestamp($3))
     ON CONFLICT DO NOTHING`,
    [clientId, jti, untilS],
  );
  if (inserted.rowCount === 0)
    throw new AssertionRejected('client assertion jti already used (replay)', clientId);
}
