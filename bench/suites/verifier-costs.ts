/**
 * The service's own token verifier in the bench process, with the server's JWKS: a cache hit, a
 * full verification of fresh tokens, and for comparison jose's jwtVerify alone and the bare ES256
 * signature check with node:crypto (what a full verification could cost at least).
 */
import { createPublicKey, verify } from 'node:crypto';
import { decodeProtectedHeader, importJWK, type JWK, jwtVerify } from 'jose';
import { createTokenVerifier } from '../../src/platform/auth/verify.js';
import type { SuiteReport } from '../report/suite-report.js';

/** Mean µs per call of `fn(i)` for i = 0.., after a warm-up; `limit` caps the calls. */
async function perCall(fn: (i: number) => Promise<unknown>, ms = 1000, limit = Infinity): Promise<number> {
  for (let i = 0; i < 50; i++) await fn(i);
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < ms && count < limit) await fn(50 + count++);
  return ((performance.now() - started) * 1000) / count;
}

/** The service's verifier in this process: a cache hit, and a full verification of fresh tokens. */
export async function verifierCosts(report: SuiteReport, jwks: unknown, tokens: string[]) {
  // The tokens carry the first server's issuer (its port); the verifier must expect that one.
  const claims = JSON.parse(Buffer.from(tokens[0]!.split('.')[1]!, 'base64url').toString()) as {
    iss: string;
  };
  const verifier = createTokenVerifier({
    issuer: claims.iss,
    audience: `${claims.iss}/fhir/R4`,
    localJwks: () => jwks as { keys: [] },
  });
  const hit = tokens[0]!;
  await verifier.verify(hit);
  report.costs.push({
    operation: 'verify: cache hit (the same token every call)',
    usPerOp: await perCall(() => verifier.verify(hit)),
  });
  const fresh = tokens.slice(1);
  const before = verifier.stats.verifications;
  const usPerOp = await perCall((i) => verifier.verify(fresh[i]!), 1000, fresh.length - 60);
  report.costs.push({
    operation: 'verify: full ES256 verification (a new token every call)',
    usPerOp,
    note: `${verifier.stats.verifications - before} verifications, every one a cache miss`,
  });
  // What the full verification is made of: jose's jwtVerify with a WebCrypto key (as the verifier
  // imports it), and the bare ES256 signature check with node:crypto, synchronous.
  const jwk = (jwks as { keys: JWK[] }).keys.find((key) => key.kid === decodeProtectedHeader(hit).kid)!;
  const cryptoKey = await importJWK({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, 'ES256');
  const keyObject = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y! },
    format: 'jwk',
  });
  report.costs.push({
    operation: "  jose jwtVerify alone (WebCrypto key, as the verifier's)",
    usPerOp: await perCall((i) => jwtVerify(fresh[i % fresh.length]!, cryptoKey, { algorithms: ['ES256'] })),
  });
  report.costs.push({
    operation: '  node:crypto verify alone (KeyObject, synchronous, signature only)',
    usPerOp: await perCall(async (i) => {
      const [header, payload, signature] = fresh[i % fresh.length]!.split('.') as [string, string, string];
      return verify(
        'sha256',
        Buffer.from(`${header}.${payload}`),
        { key: keyObject, dsaEncoding: 'ieee-p1363' },
        Buffer.from(signature, 'base64url'),
      );
    }),
  });
}
