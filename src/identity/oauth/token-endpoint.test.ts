import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../test/databases.js';
import { oauthTestApp, PUBLIC_URL, testCipher } from '../../../test/support/identity/oauth.js';
import { KeyStore } from './keys.js';
import { revokeAllForAccount } from './refresh.js';

const prescriber = {
  id: 'acc-1',
  role: 'prescriber',
  fhirUser: 'Practitioner/pr1',
  org: 'A83008',
  status: 'active',
};

describe.each(databaseKinds)('token endpoint on %s', (kind) => {
  let test: TestDatabase;
  let env: Awaited<ReturnType<typeof oauthTestApp>>;

  beforeAll(async () => {
    test = await createTestDatabase(kind);
    env = await oauthTestApp(test.db);
  });
  afterAll(async () => {
    await env?.app.close();
    await test?.dispose();
  });

  async function jwks() {
    const response = await env.app.inject({ method: 'GET', url: '/oauth2/jwks' });
    expect(response.statusCode).toBe(200);
    return createLocalJWKSet(response.json() as JSONWebKeySet);
  }

  async function signIn(account = prescriber, amr = ['pwd', 'otp'], authTime?: number) {
    const { code, verifier } = env.directory.issueCode({ ...account }, amr, authTime);
    const response = await env.token({ grant_type: 'authorization_code', code, code_verifier: verifier });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as {
      access_token: string;
      refresh_token: string;
      expires_in: number;
      scope: string;
    };
  }

  it('exchanges a code for a verifiable access token with exactly the contract claims and its sid', async () => {
    const authTime = Math.floor(Date.now() / 1000) - 60;
    const { code, verifier } = env.directory.issueCode({ ...prescriber }, ['pwd', 'otp'], authTime);
    const response = await env.token({ grant_type: 'authorization_code', code, code_verifier: verifier });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.json();
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    expect(body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(decodeProtectedHeader(body.access_token)).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    const { payload } = await jwtVerify(body.access_token, await jwks(), {
      issuer: PUBLIC_URL,
      audience: `${PUBLIC_URL}/fhir/R4`,
      typ: 'at+jwt',
    });
    expect(Object.keys(payload).sort()).toEqual(
      [
        'amr',
        'aud',
        'auth_time',
        'exp',
        'fhirUser',
        'iat',
        'iss',
        'jti',
        'org',
        'roles',
        'scope',
        'sub',
        // The contract's claims, plus the sign-in session that revocation names (revocations.ts).
        'sid',
      ].sort(),
    );
    expect(payload.sid).toMatch(/^[0-9a-f-]{36}$/);
    expect(payload).toMatchObject({
      sub: 'acc-1',
      roles: ['prescriber'],
      amr: ['pwd', 'otp'],
      auth_time: authTime,
      fhirUser: 'Practitioner/pr1',
      org: 'A83008',
      scope: body.scope,
    });
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(30 * 60);
    expect(env.audit.records.at(-1)).toMatchObject({ subtype: 'login', outcome: '0' });

    // Single use: the same code again is refused.
    const again = await env.token({ grant_type: 'authorization_code', code, code_verifier: verifier });
    expect(again.statusCode).toBe(400);
    expect(again.json()).toMatchObject({ error: 'invalid_grant' });
    expect(again.headers['cache-control']).toBe('no-store');
    // … and the tokens issued from its first use are revoked (RFC 6749 section 4.1.2).
    expect(env.audit.records.at(-1)).toMatchObject({ subtype: 'use-of-restricted-function', outcome: '8' });
    const refresh = await env.token({ grant_type: 'refresh_token', refresh_token: body.refresh_token });
    expect(refresh.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('answers malformed requests in the OAuth error format', async () => {
    for (const grant_type of ['password', '__proto__', 'constructor']) {
      const response = await env.token({ grant_type });
      expect(response.json(), grant_type).toMatchObject({ error: 'unsupported_grant_type' });
    }
    const badCode = await env.token({ grant_type: 'authorization_code', code: 'nope', code_verifier: 'v' });
    expect(badCode.json()).toMatchObject({ error: 'invalid_grant' });
    expect(env.audit.records.at(-1)).toMatchObject({ subtype: 'login', outcome: '4' });
    expect((await env.token({ grant_type: 'authorization_code', code: 'x' })).json()).toMatchObject({
      error: 'invalid_request',
    });
    const json = await env.app.inject({ method: 'POST', url: '/oauth2/token', payload: { grant_type: 'x' } });
    expect(json.statusCode).toBe(400);
    expect(json.json()).toMatchObject({ error: 'invalid_request' });
    const discovery = (
      await env.app.inject({ method: 'GET', url: '/.well-known/openid-configuration' })
    ).json();
    expect(discovery).toMatchObject({
      issuer: PUBLIC_URL,
      token_endpoint: `${PUBLIC_URL}/oauth2/token`,
      jwks_uri: `${PUBLIC_URL}/oauth2/jwks`,
      code_challenge_methods_supported: ['S256'],
    });
  });

  it('rotates refresh tokens, keeps auth_time and amr, and revokes the family on reuse', async () => {
    const authTime = Math.floor(Date.now() / 1000) - 600;
    const first = await signIn(prescriber, ['pwd', 'otp'], authTime);
    const second = await env.token({ grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect(second.statusCode, second.body).toBe(200);
    const rotated = second.json();
    expect(rotated.refresh_token).not.toBe(first.refresh_token);
    const { payload } = await jwtVerify(rotated.access_token, await jwks());
    expect(payload).toMatchObject({ auth_time: authTime, amr: ['pwd', 'otp'] });

    // The spent token comes back: both it and the newest one die.
    const reuse = await env.token({ grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect(reuse.json()).toMatchObject({ error: 'invalid_grant' });
    expect(env.audit.records.at(-1)).toMatchObject({ subtype: 'use-of-restricted-function', outcome: '8' });
    const newest = await env.token({ grant_type: 'refresh_token', refresh_token: rotated.refresh_token });
    expect(newest.statusCode).toBe(400);
    expect(newest.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses to refresh for a suspended account, and revokeAllForAccount kills its tokens', async () => {
    const other = { ...prescriber, id: 'acc-2' };
    const tokens = await signIn(other);
    env.directory.accounts.set('acc-2', { ...other, status: 'suspended' });
    const refused = await env.token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(refused.json()).toMatchObject({ error: 'invalid_grant' });
    // Not spent by the refusal: once reactivated it works, until the service desk revokes all.
    env.directory.accounts.set('acc-2', other);
    const ok = await env.token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(ok.statusCode).toBe(200);
    expect(await test.db.transaction((tx) => revokeAllForAccount(tx, 'acc-2'))).toBe(1);
    const dead = await env.token({ grant_type: 'refresh_token', refresh_token: ok.json().refresh_token });
    expect(dead.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('keeps tokens of a rotated key verifiable and signs new ones with the new key', async () => {
    const before = await signIn();
    const oldKid = decodeProtectedHeader(before.access_token).kid;
    const replica = new KeyStore({ db: test.db, cipher: testCipher });
    await replica.publicJwks();

    const newKid = await env.keys.rotate();
    expect(newKid).not.toBe(oldKid);
    await jwtVerify(before.access_token, await jwks());
    const after = await signIn();
    expect(decodeProtectedHeader(after.access_token).kid).toBe(newKid);
    // Another replica that cached the old set finds the new kid on demand.
    await jwtVerify(after.access_token, replica.resolveKey);
    await jwtVerify(before.access_token, replica.resolveKey);

    const stored = await test.db.query<{ private_jwk_sealed: string; active: boolean }>(
      'SELECT private_jwk_sealed, retired_at IS NULL AS active FROM oauth_signing_key',
    );
    expect(stored.rows.filter((row) => row.active)).toHaveLength(1);
    expect(stored.rows.every((row) => row.private_jwk_sealed.startsWith('sealed:'))).toBe(true);
  });

  it('issues a token inside its transaction when the cached keys are stale (no PGlite deadlock)', async () => {
    let clock = Date.now();
    const staleTest = await createTestDatabase(kind);
    const stale = await oauthTestApp(staleTest.db, { now: () => clock });
    try {
      clock += 10 * 60_000; // far past the key cache's refresh interval
      const { code, verifier } = stale.directory.issueCode({ ...prescriber });
      const response = await Promise.race([
        stale.token({ grant_type: 'authorization_code', code, code_verifier: verifier }),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('token request hung')), 10_000)),
      ]);
      expect(response.statusCode, response.body).toBe(200);
      const ready = await staleTest.db.query('SELECT 1 AS ok');
      expect(ready.rows[0]).toEqual({ ok: 1 });
    } finally {
      await stale.app.close();
      await staleTest.dispose();
    }
  });
});
