import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  createLocalJWKSet,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JSONWebKeySet,
  jwtVerify,
  SignJWT,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../test/databases.js';
import { oauthTestApp, PUBLIC_URL } from '../../../test/support/identity/oauth.js';
import { JWT_BEARER_ASSERTION } from './assertion.js';
import { runClientAdd } from './clients.js';

const TOKEN_URL = `${PUBLIC_URL}/oauth2/token`;
type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

describe.each(databaseKinds)('client_credentials on %s', (kind) => {
  let test: TestDatabase;
  let env: Awaited<ReturnType<typeof oauthTestApp>>;
  let key: KeyPair;
  let clientId: string;

  beforeAll(async () => {
    test = await createTestDatabase(kind);
    env = await oauthTestApp(test.db);
    key = await generateKeyPair('ES256', { extractable: true });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pathways-client-'));
    const file = path.join(dir, 'jwks.json');
    writeFileSync(file, JSON.stringify({ keys: [{ ...(await exportJWK(key.publicKey)), kid: 'k1' }] }));
    const out: string[] = [];
    const io = { out: (line: string) => out.push(line), err: (line: string) => out.push(`ERR ${line}`) };
    const code = await runClientAdd(
      test.db,
      [
        '--name',
        'Pharmacy PMR',
        '--jwks-file',
        file,
        '--scope',
        'system/*.* openid',
        '--org',
        'FA123',
        '--role',
        'dispenser',
      ],
      io,
    );
    expect(code, out.join('\n')).toBe(0);
    const printed = JSON.parse(out[0]!);
    expect(printed).toMatchObject({ name: 'Pharmacy PMR', scope: 'system/*.* openid', org: 'FA123' });
    clientId = printed.clientId;

    // Bad arguments: one clear line, exit 2, nothing registered.
    out.length = 0;
    expect(await runClientAdd(test.db, ['--name', 'X', '--scope', 's'], io)).toBe(2);
    expect(out).toEqual(['ERR pathways client add: missing --jwks-file']);
    writeFileSync(file, JSON.stringify({ keys: [await exportJWK(key.privateKey)] }));
    out.length = 0;
    expect(await runClientAdd(test.db, ['--name', 'X', '--jwks-file', file, '--scope', 's'], io)).toBe(2);
    expect(out[0]).toMatch(/private key material/);
  });
  afterAll(async () => {
    await env?.app.close();
    await test?.dispose();
  });

  function assertion(claims: Record<string, unknown> = {}, signer: KeyPair = key, alg = 'ES256') {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: clientId,
      sub: clientId,
      aud: TOKEN_URL,
      jti: randomUUID(),
      exp: now + 60,
      ...claims,
    })
      .setProtectedHeader({ alg, kid: 'k1' })
      .sign(signer.privateKey);
  }

  const request = (client_assertion: string, extra: Record<string, string> = {}) =>
    env.token({
      grant_type: 'client_credentials',
      client_assertion_type: JWT_BEARER_ASSERTION,
      client_assertion,
      ...extra,
    });

  it('issues a token for a valid assertion and refuses its replay', async () => {
    const signed = await assertion();
    const response = await request(signed);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body.refresh_token).toBeUndefined();
    expect(body.scope).toBe('system/*.* openid');
    const jwks = (await env.app.inject({ method: 'GET', url: '/oauth2/jwks' })).json() as JSONWebKeySet;
    const { payload } = await jwtVerify(body.access_token, createLocalJWKSet(jwks), {
      audience: `${PUBLIC_URL}/fhir/R4`,
    });
    expect(payload).toMatchObject({
      sub: clientId,
      client_id: clientId,
      roles: ['dispenser'],
      org: 'FA123',
      amr: [],
    });
    expect(payload.auth_time).toBeUndefined();
    expect(env.audit.records.at(-1)).toMatchObject({
      outcome: '0',
      agent: { reference: `Device/${clientId}` },
    });

    const replay = await request(signed);
    expect(replay.statusCode).toBe(401);
    expect(replay.json()).toMatchObject({ error: 'invalid_client' });
    expect(replay.json().error_description).toMatch(/replay/);
    expect(env.audit.records.at(-1)).toMatchObject({ outcome: '4' });
  });

  it('accepts the issuer as audience and narrows scope; refuses unregistered scope', async () => {
    const ok = await request(await assertion({ aud: PUBLIC_URL }), { scope: 'openid' });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().scope).toBe('openid');
    const wide = await request(await assertion(), { scope: 'user/*.*' });
    expect(wide.statusCode).toBe(400);
    expect(wide.json()).toMatchObject({ error: 'invalid_scope' });
  });

  it('refuses forged, expired, misdirected and unknown-client assertions with invalid_client', async () => {
    const now = Math.floor(Date.now() / 1000);
    const other = await generateKeyPair('ES256');
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const claims = { iss: clientId, sub: clientId, aud: TOKEN_URL, jti: randomUUID(), exp: now + 60 };
    const hmacSecret = new TextEncoder().encode(await exportSPKI(key.publicKey));
    const cases: [string, string, RegExp][] = [
      ['wrong aud', await assertion({ aud: 'https://elsewhere.example/token' }), /a claim is wrong/],
      ['expired', await assertion({ exp: now - 120, iat: now - 180 }), /expired/],
      ['too long-lived', await assertion({ exp: now + 3600 }), /at most 300 s/],
      ['no jti', await assertion({ jti: undefined }), /jti/],
      ['alg none', `${b64({ alg: 'none' })}.${b64(claims)}.`, /algorithm none/],
      [
        'HS256 with the public key as secret',
        await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(hmacSecret),
        /algorithm HS256/,
      ],
      ['unknown client', await assertion({ iss: 'nobody', sub: 'nobody' }), /unknown client/],
      ['signed by another key', await assertion({}, other), /signature/],
      ['not a JWT', 'garbage', /not a JWT/],
    ];
    for (const [name, signed, reason] of cases) {
      const response = await request(signed);
      expect(response.statusCode, name).toBe(401);
      expect(response.json().error, name).toBe('invalid_client');
      expect(response.json().error_description, name).toMatch(reason);
    }
    const missingType = await env.token({
      grant_type: 'client_credentials',
      client_assertion: await assertion(),
    });
    expect(missingType.json()).toMatchObject({ error: 'invalid_client' });
  });
});
