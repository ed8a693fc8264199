import { base64url, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { AUDIENCE, ISSUER, signToken, type TestKey, testKey } from '../../../test/support/platform/auth.js';
import { Problem } from '../errors/problem.js';
import { createTokenVerifier, MAX_LOCAL_KEYS } from './verify.js';

const NOW_S = 1_800_000_000;
let key: TestKey;
let other: TestKey;

beforeAll(async () => {
  [key, other] = await Promise.all([testKey('k1'), testKey('k2')]);
});

function verifier(keys: () => TestKey[] = () => [key], clock = { ms: NOW_S * 1000 }) {
  return createTokenVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    localJwks: () => ({ keys: keys().map((k) => k.publicJwk) }),
    now: () => clock.ms,
  });
}

async function refusal(promise: Promise<unknown>): Promise<{ status: number; challenge: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Problem);
  const problem = error as Problem;
  return { status: problem.status, challenge: problem.headers['www-authenticate'] ?? '' };
}

const invalid = (description: string) => `Bearer error="invalid_token", error_description="${description}"`;

describe('local access tokens', () => {
  it('accepts a good token and maps its claims', async () => {
    const token = await signToken(key, { client_id: undefined }, { nowS: NOW_S - 10 });
    const principal = await verifier().verify(token);
    expect(principal).toEqual({
      subject: 'account-1',
      issuer: ISSUER,
      roles: ['prescriber'],
      fhirUser: 'Practitioner/p1',
      org: 'A12345',
      scopes: ['openid', 'fhirUser'],
      amr: ['pwd', 'otp'],
      authTime: NOW_S - 10,
      tokenId: 'jti-1',
    });
  });

  it('refuses a tampered payload', async () => {
    const [header, , signature] = (await signToken(key, {}, { nowS: NOW_S })).split('.');
    const forged = base64url.encode(
      JSON.stringify({ iss: ISSUER, aud: AUDIENCE, sub: 'x', roles: ['admin'], iat: NOW_S, exp: NOW_S + 60 }),
    );
    expect(await refusal(verifier().verify(`${header}.${forged}.${signature}`))).toEqual({
      status: 401,
      challenge: invalid("The access token's signature does not verify"),
    });
  });

  it('refuses alg none and HS256 signed with the public key (algorithm confusion)', async () => {
    const claims = { iss: ISSUER, aud: AUDIENCE, sub: 'x', roles: ['admin'], iat: NOW_S, exp: NOW_S + 60 };
    const none = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: 'k1' }))}.${base64url.encode(JSON.stringify(claims))}.`;
    expect((await refusal(verifier().verify(none))).challenge).toBe(invalid('The access token is malformed'));
    const noneWithJunk = `${none}AAAA`;
    expect((await refusal(verifier().verify(noneWithJunk))).challenge).toBe(
      invalid("The access token's signing algorithm is not accepted"),
    );
    const hmac = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: 'k1', typ: 'at+jwt' })
      .sign(new TextEncoder().encode(JSON.stringify(key.publicJwk)));
    expect(await refusal(verifier().verify(hmac))).toEqual({
      status: 401,
      challenge: invalid("The access token's signing algorithm is not accepted"),
    });
  });

  it('refuses expired, wrong-audience, wrong-typ, too-long-lived and untrusted-issuer tokens', async () => {
    const cases: Array<[Promise<string>, string]> = [
      [signToken(key, {}, { nowS: NOW_S - 1000, lifetimeS: 900 }), 'The access token has expired'],
      [
        signToken(key, { aud: 'https://elsewhere' }, { nowS: NOW_S }),
        'The access token is not for this service',
      ],
      [
        signToken(key, {}, { nowS: NOW_S, typ: 'JWT' }),
        'The token is not an access token (typ must be at+jwt)',
      ],
      [
        signToken(key, {}, { nowS: NOW_S, lifetimeS: 3600 }),
        'The access token lives longer than 1800 seconds',
      ],
      [
        signToken(key, { iss: 'https://evil.example' }, { nowS: NOW_S }),
        "The access token's issuer is not trusted",
      ],
    ];
    const v = verifier();
    for (const [token, description] of cases) {
      expect(await refusal(v.verify(await token))).toEqual({ status: 401, challenge: invalid(description) });
    }
  });

  it('reloads the key set once for an unknown kid, then refuses; accepts a key rotated in', async () => {
    let published = [key];
    const v = verifier(() => published);
    await v.verify(await signToken(key, {}, { nowS: NOW_S }));
    expect(v.stats.jwksLoads).toBe(1);
    const stranger = await signToken({ ...other, kid: 'k9' }, {}, { nowS: NOW_S });
    expect((await refusal(v.verify(stranger))).challenge).toBe(
      invalid('The access token was signed with an unknown key'),
    );
    expect(v.stats.jwksLoads).toBe(2);
    // A second unknown kid straight after does not reload again (no reload storm from junk kids).
    await refusal(v.verify(await signToken({ ...other, kid: 'k8' }, {}, { nowS: NOW_S })));
    expect(v.stats.jwksLoads).toBe(2);

    published = [key, other];
    const rotated = verifier(() => published);
    published = [key];
    await rotated.verify(await signToken(key, {}, { nowS: NOW_S }));
    published = [key, other];
    expect((await rotated.verify(await signToken(other, {}, { nowS: NOW_S }))).subject).toBe('account-1');
  });

  it('answers a cached token without re-verifying, but still refuses it once expired', async () => {
    const clock = { ms: NOW_S * 1000 };
    const v = verifier(() => [key], clock);
    const token = await signToken(key, {}, { nowS: NOW_S, lifetimeS: 60 });
    const first = await v.verify(token);
    expect(await v.verify(token)).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first.roles)).toBe(true);
    expect(await v.verify(` ${token}`)).toBe(first);
    expect(v.stats).toMatchObject({ verifications: 1, cacheHits: 2 });
    clock.ms = (NOW_S + 60 + 6) * 1000;
    expect((await refusal(v.verify(token))).challenge).toBe(invalid('The access token has expired'));
    expect(v.stats.verifications).toBe(2);
  });

  it('refuses a token whose claims do not have the contract shape', async () => {
    const token = await signToken(key, { roles: 'admin' }, { nowS: NOW_S });
    expect((await refusal(verifier().verify(token))).challenge).toBe(
      invalid("The access token's roles claim is not valid"),
    );
  });

  it('checks the header and claims as jose did: crit, nbf, an audience list, application/at+jwt', async () => {
    const v = verifier();
    const listed = await signToken(key, { aud: ['https://elsewhere', AUDIENCE] as never }, { nowS: NOW_S });
    expect((await v.verify(listed)).subject).toBe('account-1');
    expect(
      (await v.verify(await signToken(key, {}, { nowS: NOW_S, typ: 'application/at+jwt' }))).subject,
    ).toBe('account-1');
    const early = await signToken(key, { nbf: NOW_S + 60 }, { nowS: NOW_S });
    expect((await refusal(v.verify(early))).challenge).toBe(invalid('The access token is not valid yet'));
    const claims = { iss: ISSUER, aud: AUDIENCE, sub: 'x', roles: ['admin'], iat: NOW_S, exp: NOW_S + 60 };
    // jose will not sign an unknown critical extension: the same signature under another header.
    const criticalHeader = { alg: 'ES256', kid: 'k1', typ: 'at+jwt', crit: ['x-ext'], 'x-ext': 1 };
    const signingInput = `${base64url.encode(JSON.stringify(criticalHeader))}.${base64url.encode(JSON.stringify(claims))}`;
    const signed = new Uint8Array(
      await crypto.subtle.sign(
        { name: 'ECDSA', hash: 'SHA-256' },
        key.privateKey as never,
        new TextEncoder().encode(signingInput),
      ),
    );
    const critical = `${signingInput}.${base64url.encode(signed)}`;
    expect((await refusal(v.verify(critical))).challenge).toBe(
      invalid('The access token is malformed or not valid'),
    );
    const noSubject = await new SignJWT({ ...claims, sub: undefined })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
      .sign(key.privateKey);
    expect((await refusal(v.verify(noSubject))).challenge).toBe(
      invalid("The access token's sub claim is missing or not valid"),
    );
    const [header, payload, signature] = (await signToken(key, {}, { nowS: NOW_S })).split('.');
    const shortened = `${header}.${payload}.${signature!.slice(0, 40)}`;
    expect((await refusal(v.verify(shortened))).challenge).toBe(
      invalid("The access token's signature does not verify"),
    );
  });

  it('imports each kid once and at most MAX_LOCAL_KEYS of a key set; a rotation replaces them', async () => {
    const many = await Promise.all(
      Array.from({ length: MAX_LOCAL_KEYS + 2 }, (_, index) => testKey(`m${index}`)),
    );
    let published = many;
    const clock = { ms: NOW_S * 1000 };
    const v = verifier(() => published, clock);
    for (let round = 0; round < 3; round++)
      await v.verify(await signToken(many[0]!, {}, { nowS: NOW_S + round }));
    expect(v.stats.jwksLoads).toBe(1);
    const beyond = await signToken(many[MAX_LOCAL_KEYS + 1]!, {}, { nowS: NOW_S });
    expect((await refusal(v.verify(beyond))).challenge).toBe(
      invalid('The access token was signed with an unknown key'),
    );
    // Rotated: the old keys withdrawn, a new one published; it is found by one reload.
    published = [key];
    clock.ms += 1_000;
    expect((await v.verify(await signToken(key, {}, { nowS: NOW_S + 1 }))).subject).toBe('account-1');
  });
});
