/**
 * Pathways' own access tokens, checked without jose: one split and one base64url decode of header
 * and payload (jose's `jwtVerify` decoded them again after `decodeProtectedHeader` and `decodeJwt`
 * had), the ES256 signature with `node:crypto` on a KeyObject made once per kid, and the claims on
 * the decoded payload. The checks and their order are jose's (signature first, then typ, required
 * claims, iss, aud, iat, nbf, exp with the clock tolerance) so the answers are the same as before.
 * External issuers stay on jose (verify.ts).
 */
import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { invalidToken } from './challenge.js';

export interface DecodedToken {
  header: Record<string, unknown>;
  payload: JWTPayload;
  /** `header.payload` as sent: what the signature covers. */
  signingInput: string;
  signature: Buffer;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The three parts of a compact JWS (already matched against the compact shape), or undefined. */
export function decodeToken(token: string): DecodedToken | undefined {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  try {
    const header: unknown = JSON.parse(Buffer.from(token.slice(0, first), 'base64url').toString('utf8'));
    const payload: unknown = JSON.parse(
      Buffer.from(token.slice(first + 1, second), 'base64url').toString('utf8'),
    );
    if (!isObject(header) || !isObject(payload)) return undefined;
    return {
      header,
      payload: payload as JWTPayload,
      signingInput: token.slice(0, second),
      signature: Buffer.from(token.slice(second + 1), 'base64url'),
    };
  } catch {
    return undefined;
  }
}

/** ES256 over the signing input: the 64-byte r‖s form JWS uses. */
export function signatureVerifies(decoded: DecodedToken, key: KeyObject): boolean {
  if (decoded.signature.length !== 64) return false;
  try {
    return cryptoVerify(
      'sha256',
      Buffer.from(decoded.signingInput),
      { key, dsaEncoding: 'ieee-p1363' },
      decoded.signature,
    );
  } catch {
    return false;
  }
}

/** `application/at+jwt` and `at+jwt` are the same type (RFC 9068 §4, as jose normalises it). */
function normalisedTyp(typ: unknown): string | undefined {
  if (typeof typ !== 'string') return undefined;
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

function audienceMatches(aud: unknown, audience: string): boolean {
  return aud === audience || (Array.isArray(aud) && aud.includes(audience));
}

export interface ClaimRules {
  issuer: string;
  audience: string;
  nowMs: number;
  toleranceS: number;
}

/** The header and claims of a token whose signature verified; throws the 401 a client gets. */
export function checkLocalClaims(decoded: DecodedToken, rules: ClaimRules): void {
  const { header, payload } = decoded;
  // No extension is understood, so any `crit` is refused (RFC 7515 §4.1.11).
  if (header.crit !== undefined) throw invalidToken('The access token is malformed or not valid');
  if (normalisedTyp(header.typ) !== 'at+jwt') {
    throw invalidToken('The token is not an access token (typ must be at+jwt)');
  }
  for (const claim of ['exp', 'iat', 'sub'] as const) {
    if (payload[claim] === undefined) {
      throw invalidToken(`The access token's ${claim} claim is missing or not valid`);
    }
  }
  if (payload.iss !== rules.issuer) throw invalidToken("The access token's issuer is not trusted");
  if (!audienceMatches(payload.aud, rules.audience)) {
    throw invalidToken('The access token is not for this service');
  }
  const now = Math.floor(rules.nowMs / 1000);
  if (typeof payload.iat !== 'number')
    throw invalidToken("The access token's iat claim is missing or not valid");
  if (payload.nbf !== undefined) {
    if (typeof payload.nbf !== 'number') {
      throw invalidToken("The access token's nbf claim is missing or not valid");
    }
    if (payload.nbf > now + rules.toleranceS) throw invalidToken('The access token is not valid yet');
  }
  if (typeof payload.exp !== 'number')
    throw invalidToken("The access token's exp claim is missing or not valid");
  if (payload.exp <= now - rules.toleranceS) throw invalidToken('The access token has expired');
}
