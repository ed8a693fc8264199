/**
 * The one verification step of every protected route: a bearer token → a Principal, or a 401
 * Problem with an RFC 6750 challenge. Pathways' own tokens are ES256 `at+jwt` signed by one of its
 * own keys; tokens from TRUSTED_ISSUERS are verified against that issuer's published keys.
 * Verified tokens are cached until they expire, which keeps ECDSA off the hot path. A new local
 * token is decoded once (local-token.ts) and checked against a KeyObject imported once per kid.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { JSONWebKeySet } from 'jose';
import { invalidToken } from './challenge.js';
import { principalFromExternalClaims, principalFromLocalClaims } from './claims.js';
import { toTokenProblem } from './jose-errors.js';
import { checkLocalClaims, type DecodedToken, decodeToken, signatureVerifies } from './local-token.js';
import type { Principal } from './principal.js';
import { createRemoteIssuer, type RemoteIssuer } from './remote-issuer.js';
import { TokenCache } from './token-cache.js';
import type { TrustedIssuerConfig } from './trusted-issuers.js';

export interface TokenVerifierOptions {
  /** Pathways' own issuer (PUBLIC_URL). */
  issuer: string;
  /** The `aud` Pathways' tokens carry. */
  audience: string;
  /** The current public signing keys (the same set /oauth2/jwks publishes). */
  localJwks: () => Promise<JSONWebKeySet> | JSONWebKeySet;
  trustedIssuers?: TrustedIssuerConfig[];
  clockToleranceS?: number;
  cacheSize?: number;
  /** Epoch milliseconds; tests move the clock. */
  now?: () => number;
  log?: { warn: (object: object, message: string) => void };
  /**
   * Whether a verified token has been revoked since it was issued (identity's revocation list).
   * Asked on every request, cached or not, so it must answer from memory.
   */
  isRevoked?: (principal: Principal) => boolean;
}

export interface TokenVerifier {
  verify(bearer: string): Promise<Principal>;
  /** Counters for tests and benchmarks. */
  readonly stats: { verifications: number; cacheHits: number; jwksLoads: number };
}

/** The contract's ceiling on an access token's life (`exp - iat`). */
export const MAX_LOCAL_LIFETIME_S = 30 * 60;
/** Unknown kids must not let a caller make us reload the key set on every request. */
const JWKS_RELOAD_INTERVAL_MS = 1_000;
type VerifyKey = KeyObject;
/** A key set is replaced wholesale on reload; this bounds what one (hostile or broken) set costs. */
export const MAX_LOCAL_KEYS = 32;
const MAX_TOKEN_LENGTH = 8192;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Public P-256 keys by kid; private members are never copied, so a leaked `d` is never used. */
async function importLocalKeys(set: JSONWebKeySet): Promise<Map<string, VerifyKey>> {
  const keys = new Map<string, VerifyKey>();
  for (const jwk of set.keys ?? []) {
    if (!jwk.kid || jwk.kty !== 'EC' || jwk.crv !== 'P-256' || jwk.use === 'enc') continue;
    if (jwk.alg !== undefined && jwk.alg !== 'ES256') continue;
    if (keys.size >= MAX_LOCAL_KEYS) break;
    const publicJwk = { kty: 'EC', crv: 'P-256', x: String(jwk.x), y: String(jwk.y) };
    keys.set(jwk.kid, createPublicKey({ key: publicJwk, format: 'jwk' }));
  }
  return keys;
}

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const tolerance = options.clockToleranceS ?? 5;
  const now = options.now ?? Date.now;
  const cache = new TokenCache(options.cacheSize ?? 10_000);
  const stats = { verifications: 0, cacheHits: 0, jwksLoads: 0 };
  const remotes = new Map<string, RemoteIssuer>(
    (options.trustedIssuers ?? []).map((config) => [config.issuer, createRemoteIssuer(config, options.log)]),
  );

  let localKeys: Map<string, VerifyKey> | undefined;
  let loading: Promise<Map<string, VerifyKey>> | undefined;
  let reloadedForUnknownKidAtMs = Number.NEGATIVE_INFINITY;

  function loadLocalKeys(): Promise<Map<string, VerifyKey>> {
    // Concurrent requests with a new kid share one reload.
    loading ??= (async () => {
      stats.jwksLoads++;
      localKeys = await importLocalKeys(await options.localJwks());
      return localKeys;
    })().finally(() => {
      loading = undefined;
    });
    return loading;
  }

  async function localKey(kid: string): Promise<VerifyKey> {
    const known = (localKeys ?? (await loadLocalKeys())).get(kid);
    if (known) return known;
    // A key rotated in since the last load: reload once, then give up.
    if (loading || now() - reloadedForUnknownKidAtMs >= JWKS_RELOAD_INTERVAL_MS) {
      reloadedForUnknownKidAtMs = now();
      const reloaded = (await loadLocalKeys()).get(kid);
      if (reloaded) return reloaded;
    }
    throw invalidToken('The access token was signed with an unknown key');
  }

  async function verifyLocal(decoded: DecodedToken, nowMs: number): Promise<Principal> {
    const { header, payload } = decoded;
    if (typeof header.kid !== 'string' || header.kid === '') {
      throw invalidToken('The access token names no signing key (kid)');
    }
    if (!signatureVerifies(decoded, await localKey(header.kid))) {
      throw invalidToken("The access token's signature does not verify");
    }
    checkLocalClaims(decoded, {
      issuer: options.issuer,
      audience: options.audience,
      nowMs,
      toleranceS: tolerance,
    });
    if (payload.exp! - payload.iat! > MAX_LOCAL_LIFETIME_S) {
      throw invalidToken(`The access token lives longer than ${MAX_LOCAL_LIFETIME_S} seconds`);
    }
    if (payload.iat! > nowMs / 1000 + tolerance)
      throw invalidToken('The access token was issued in the future');
    return principalFromLocalClaims(payload);
  }

  async function verifyUncached(
    token: string,
    nowMs: number,
  ): Promise<{ principal: Principal; exp: number }> {
    // Decoded once: the issuer picks the path, and Pathways' own tokens are checked from this.
    const decoded = decodeToken(token);
    if (!decoded) throw invalidToken('The access token is malformed');
    const issuer = decoded.payload.iss;
    // Refused before any key lookup: `none`, HMAC (the public key used as a secret) and the rest.
    if (issuer === options.issuer) {
      if (decoded.header.alg !== 'ES256') {
        throw invalidToken("The access token's signing algorithm is not accepted");
      }
      const principal = await verifyLocal(decoded, nowMs);
      return { principal, exp: decoded.payload.exp! };
    }
    const remote = typeof issuer === 'string' ? remotes.get(issuer) : undefined;
    if (!remote) throw invalidToken("The access token's issuer is not trusted");
    const payload = await remote.verify(token, { clockToleranceS: tolerance, nowMs });
    return { principal: principalFromExternalClaims(payload, remote.config), exp: payload.exp! };
  }

  function unlessRevoked(principal: Principal): Principal {
    if (options.isRevoked?.(principal)) throw invalidToken('The access token has been revoked');
    return principal;
  }

  return {
    stats,
    async verify(bearer) {
      const token = bearer.trim();
      if (token.length > MAX_TOKEN_LENGTH) throw invalidToken('The access token is malformed');
      const nowMs = now();
      // Looked up before the shape check: only verified tokens are ever in the cache, and the
      // regular expression costs more than the lookup on this hot path.
      const cached = cache.get(token, nowMs);
      if (cached) {
        stats.cacheHits++;
        return unlessRevoked(cached);
      }
      if (!COMPACT_JWS.test(token)) throw invalidToken('The access token is malformed');
      stats.verifications++;
      try {
        const { principal, exp } = await verifyUncached(token, nowMs);
        // Shared by every request that presents this token: nobody may change it for the others.
        Object.freeze(principal.roles);
        Object.freeze(principal.scopes);
        Object.freeze(principal.amr);
        Object.freeze(principal);
        // Until exp exactly: afterwards a full verification (with its clock tolerance) decides.
        cache.set(token, principal, exp * 1000);
        return unlessRevoked(principal);
      } catch (error) {
        throw toTokenProblem(error);
      }
    },
  };
}
