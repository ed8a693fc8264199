/**
 * One trusted external issuer: finds its keys (OIDC discovery unless `jwksUri` is configured),
 * keeps them with jose's remote JWK set (cached, refetched on an unknown `kid` with a cooldown) and
 * verifies its tokens.
 */
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import { Problem } from '../errors/problem.js';
import { invalidToken } from './challenge.js';
import { EXTERNAL_ALGORITHMS, isLoopbackHost, type TrustedIssuerConfig } from './trusted-issuers.js';

type KeySet = ReturnType<typeof createRemoteJWKSet>;

export interface RemoteIssuer {
  config: TrustedIssuerConfig;
  verify(token: string, options: { clockToleranceS: number; nowMs: number }): Promise<JWTPayload>;
}

const FETCH_TIMEOUT_MS = 5_000;
/** After a failed discovery, wait this long before asking again (every request would otherwise). */
const DISCOVERY_RETRY_MS = 10_000;

function unavailable(): Problem {
  return new Problem('SERVICE_UNAVAILABLE', "The token issuer's keys could not be fetched; retry shortly", {
    headers: { 'retry-after': '5' },
  });
}

async function discoverJwksUri(issuer: string): Promise<URL> {
  const response = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, {
    signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    redirect: 'error',
  });
  if (!response.ok) throw new Error(`discovery answered ${response.status}`);
  const document = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
  // OpenID Connect Discovery 1.0 section 4.3: the document must be the issuer's own.
  if (document.issuer !== issuer) throw new Error('discovery document names another issuer');
  if (typeof document.jwks_uri !== 'string') throw new Error('discovery document has no jwks_uri');
  const url = new URL(document.jwks_uri);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new Error('jwks_uri must use https');
  }
  return url;
}

export function createRemoteIssuer(
  config: TrustedIssuerConfig,
  log?: { warn: (object: object, message: string) => void },
): RemoteIssuer {
  let keySet: KeySet | undefined = config.jwksUri
    ? createRemoteJWKSet(new URL(config.jwksUri), { timeoutDuration: FETCH_TIMEOUT_MS })
    : undefined;
  let discovering: Promise<KeySet> | undefined;
  let failedAtMs = Number.NEGATIVE_INFINITY;

  async function keys(nowMs: number): Promise<KeySet> {
    if (keySet) return keySet;
    if (!discovering) {
      if (nowMs - failedAtMs < DISCOVERY_RETRY_MS) throw unavailable();
      discovering = discoverJwksUri(config.issuer)
        .then((url) => {
          keySet = createRemoteJWKSet(url, { timeoutDuration: FETCH_TIMEOUT_MS });
          return keySet;
        })
        .catch((error: unknown) => {
          failedAtMs = nowMs;
          log?.warn({ issuer: config.issuer, err: error }, 'trusted issuer discovery failed');
          throw unavailable();
        })
        .finally(() => {
          discovering = undefined;
        });
    }
    return discovering;
  }

  return {
    config,
    async verify(token, { clockToleranceS, nowMs }) {
      const { payload } = await jwtVerify(token, await keys(nowMs), {
        issuer: config.issuer,
        audience: config.audience,
        algorithms: config.algorithms ?? EXTERNAL_ALGORITHMS,
        clockTolerance: clockToleranceS,
        currentDate: new Date(nowMs),
        requiredClaims: ['exp', 'sub'],
      });
      const maxLifetimeS = config.maxLifetimeS ?? 3600;
      if (payload.iat !== undefined && payload.exp! - payload.iat > maxLifetimeS) {
        throw invalidToken(`The access token lives longer than ${maxLifetimeS} seconds`);
      }
      return payload;
    },
  };
}
