import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIENCE, ISSUER, signToken, type TestKey, testKey } from '../../../test/support/platform/auth.js';
import { Problem } from '../errors/problem.js';
import { ResourceRules } from '../fhir/resource-rules.js';
import { setUpAuth } from './setup.js';
import { parseTrustedIssuers, type TrustedIssuersError } from './trusted-issuers.js';
import { createTokenVerifier } from './verify.js';

describe('parseTrustedIssuers', () => {
  it('accepts nothing, and a full entry', () => {
    expect(parseTrustedIssuers(undefined)).toEqual([]);
    expect(parseTrustedIssuers('  ')).toEqual([]);
    const entry = {
      issuer: 'https://idp.example',
      audience: 'pathways',
      rolesClaim: 'realm_access.roles',
      roleMap: { GP: 'prescriber' },
      fhirUserClaim: 'fhirUser',
      orgClaim: 'org',
      jwksUri: 'https://idp.example/keys',
      algorithms: ['RS256'],
    };
    expect(parseTrustedIssuers(JSON.stringify([entry]))).toEqual([entry]);
  });

  it.each([
    ['{', /^TRUSTED_ISSUERS: not valid JSON/],
    ['{}', 'TRUSTED_ISSUERS: must be a JSON array of issuer objects'],
    ['[{"issuer":"http://idp.example","audience":"a"}]', /entry 0.issuer must use https/],
    ['[{"issuer":"https://idp.example"}]', /entry 0.audience must be/],
    [
      '[{"issuer":"https://idp.example","audience":"a","roleMap":{"GP":"god"}}]',
      /roleMap.GP: "god" is not a role/,
    ],
    ['[{"issuer":"https://idp.example","audience":"a","algorithms":["HS256"]}]', /algorithms must be/],
    ['[{"issuer":"https://idp.example","audience":"a","rolesclaim":"x"}]', /unknown key "rolesclaim"/],
    ['[{"issuer":"https://idp.example","audience":"a","amrMap":{"mfa":1}}]', /amrMap must be/],
    [
      '[{"issuer":"https://i.example","audience":"a"},{"issuer":"https://i.example","audience":"b"}]',
      /twice/,
    ],
    [`[{"issuer":"${ISSUER}","audience":"a"}]`, /is Pathways itself/],
  ])('refuses %s with one line naming TRUSTED_ISSUERS', (raw, message) => {
    expect(() => parseTrustedIssuers(raw, ISSUER)).toThrow(message);
    try {
      parseTrustedIssuers(raw, ISSUER);
    } catch (error) {
      expect((error as Error).message).toMatch(/^TRUSTED_ISSUERS: [^\n]+$/);
      expect((error as TrustedIssuersError).detail).not.toContain('TRUSTED_ISSUERS');
    }
  });
});

it('setUpAuth stops the start on a bad TRUSTED_ISSUERS', () => {
  const build = (trustedIssuers: string) => () =>
    setUpAuth({
      publicUrl: 'http://localhost:3000/',
      stepUpMaxAgeS: 900,
      trustedIssuers,
      localJwks: () => ({ keys: [] }),
      audit: { record: async () => undefined },
      metrics: new Registry(),
      reads: new ResourceRules(),
    });
  expect(build('[{"issuer":"http://localhost:3000","audience":"x"}]')).toThrow('TRUSTED_ISSUERS: issuer');
  expect(build('')).not.toThrow();
});

describe('a trusted external issuer (a fake IdP on 127.0.0.1)', () => {
  let server: Server;
  let idp: string;
  let idpKey: TestKey;
  const hits = { discovery: 0, jwks: 0 };
  const NOW_S = Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    idpKey = await testKey('idp-1');
    server = createServer((request, response) => {
      response.setHeader('content-type', 'application/json');
      if (request.url === '/.well-known/openid-configuration') {
        hits.discovery++;
        response.end(JSON.stringify({ issuer: idp, jwks_uri: `${idp}/jwks` }));
      } else if (request.url === '/jwks') {
        hits.jwks++;
        response.end(JSON.stringify({ keys: [idpKey.publicJwk] }));
      } else {
        response.statusCode = 404;
        response.end('{}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    idp = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function verifier() {
    const [config] = parseTrustedIssuers(
      JSON.stringify([
        {
          issuer: idp,
          audience: 'pathways',
          rolesClaim: 'realm_access.roles',
          roleMap: { GP: 'prescriber', Pharmacist: 'dispenser' },
          fhirUserClaim: 'fhir_user',
          orgClaim: 'ods',
          amrMap: { mfa: 'otp' },
          algorithms: ['ES256'],
        },
      ]),
    );
    return createTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      localJwks: () => ({ keys: [] }),
      trustedIssuers: [config!],
    });
  }

  const external = (claims: Record<string, unknown>, key = idpKey) =>
    signToken(
      key,
      {
        iss: idp,
        aud: 'pathways',
        sub: 'ext-42',
        roles: undefined,
        fhirUser: undefined,
        org: undefined,
        realm_access: { roles: ['GP', 'constructor', 'admin'] },
        fhir_user: 'Practitioner/gp-7',
        ods: 'B86001',
        ...claims,
      },
      { nowS: NOW_S, typ: 'JWT' },
    );

  it('discovers the keys, verifies the token and maps its claims', async () => {
    const v = verifier();
    const principal = await v.verify(await external({}));
    expect(principal).toEqual({
      subject: 'ext-42',
      issuer: idp,
      // Only mapped values count: "admin" from an outside IdP grants nothing unless mapped.
      roles: ['prescriber'],
      fhirUser: 'Practitioner/gp-7',
      org: 'B86001',
      scopes: ['openid', 'fhirUser'],
      amr: ['pwd', 'otp'],
      authTime: NOW_S,
      tokenId: 'jti-1',
    });
    expect((await v.verify(await external({ amr: ['pwd', 'mfa'], jti: 'j2' }))).amr).toEqual(['pwd', 'otp']);
    await v.verify(await external({ sub: 'ext-43' }));
    expect(hits.discovery).toBe(1);
    expect(hits.jwks).toBe(1);
  });

  it('answers 503 (not 401) when discovery names another issuer, and does not retry at once', async () => {
    const [config] = parseTrustedIssuers(JSON.stringify([{ issuer: `${idp}/`, audience: 'pathways' }]));
    const v = createTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      localJwks: () => ({ keys: [] }),
      trustedIssuers: [config!],
    });
    const before = hits.discovery;
    for (let i = 0; i < 2; i++) {
      const refused = v.verify(await external({ iss: `${idp}/`, jti: `d${i}` }));
      await expect(refused).rejects.toMatchObject({ status: 503, headers: { 'retry-after': '5' } });
    }
    expect(hits.discovery - before).toBe(1);
  });

  it('refuses its tokens for another audience or signed with a key it does not publish', async () => {
    const v = verifier();
    const wrongAudience = v.verify(await external({ aud: 'someone-else' }));
    await expect(wrongAudience).rejects.toThrow('The access token is not for this service');
    const stranger = await testKey('idp-1');
    const forged = v.verify(await external({}, stranger));
    await expect(forged).rejects.toBeInstanceOf(Problem);
    await expect(forged).rejects.toMatchObject({ status: 401 });
  });
});
