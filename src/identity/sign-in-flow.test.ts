/**
 * The whole flow for every role through the real app: login → one-time code → token → an API call
 * the role may make, and one it may not. Then the service desk suspends an account and its
 * refresh token dies.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/app.js';
import { databaseKinds } from '../../test/databases.js';
import { ROLES, type Role } from '../platform/auth/principal.js';
import { createAccount } from './accounts/store.js';
import { currentTotp } from './accounts/totp.js';

const FHIR_USER: Partial<Record<Role, string>> = {
  prescriber: 'Practitioner/p1',
  dispenser: 'Practitioner/d1',
  registrar: 'Practitioner/r1',
  clinician: 'Practitioner/c1',
  patient: 'Patient/pt1',
};

describe.each(databaseKinds)('sign-in flow on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(() => t.close());

  async function signIn(role: Role) {
    const account = await createAccount(t.pathways.db, {
      username: `flow-${role}-${randomBytes(3).toString('hex')}`,
      role,
      ...(FHIR_USER[role] ? { fhirUser: FHIR_USER[role] } : {}),
      secretKey: t.pathways.identity.secretKey,
    });
    const verifier = randomBytes(32).toString('base64url');
    const codeChallenge = createHash('sha256').update(verifier).digest('base64url');
    const app = t.pathways.app;
    const login = await app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: {
        username: account.username,
        password: account.password,
        codeChallenge,
        codeChallengeMethod: 'S256',
      },
    });
    expect(login.statusCode).toBe(200);
    expect(login.json().mfaRequired).toBe(true);
    const mfa = await app.inject({
      method: 'POST',
      url: '/auth/mfa',
      payload: { login: login.json().login, otp: currentTotp(account.totpSecret) },
    });
    expect(mfa.statusCode).toBe(200);
    const token = await app.inject({
      method: 'POST',
      url: '/oauth2/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        grant_type: 'authorization_code',
        code: mfa.json().code,
        code_verifier: verifier,
      }).toString(),
    });
    expect(token.statusCode).toBe(200);
    const body = token.json() as {
      access_token: string;
      refresh_token: string;
      token_type: string;
      expires_in: number;
    };
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBeLessThanOrEqual(1800);
    return { account, bearer: `Bearer ${body.access_token}`, refresh: body.refresh_token };
  }

  it.each(
    ROLES,
  )('signs in a %s who can then use the API as that role, and only as that role', async (role) => {
    const { bearer } = await signIn(role);
    const read = await t.pathways.app.inject({
      method: 'GET',
      url: '/fhir/R4/Organization',
      headers: { authorization: bearer },
    });
    expect(read.statusCode).toBe(200);
    const desk = await t.pathways.app.inject({
      method: 'GET',
      url: '/admin/accounts?username=nobody',
      headers: { authorization: bearer },
    });
    expect(desk.statusCode).toBe(role === 'service-desk' || role === 'admin' ? 200 : 403);
    const write = await t.pathways.app.inject({
      method: 'POST',
      url: '/fhir/R4/Organization',
      headers: { authorization: bearer, 'content-type': 'application/fhir+json' },
      payload: { resourceType: 'Organization', name: `made by ${role}` },
    });
    expect(write.statusCode).toBe(role === 'registrar' || role === 'admin' ? 201 : 403);
  });

  it('suspending an account through the service desk kills its refresh token', async () => {
    const { account, refresh } = await signIn('prescriber');
    const desk = await signIn('service-desk');
    const suspended = await t.pathways.app.inject({
      method: 'POST',
      url: `/admin/accounts/${account.id}/suspend`,
      headers: { authorization: desk.bearer },
    });
    expect(suspended.statusCode).toBe(200);
    const refreshed = await t.pathways.app.inject({
      method: 'POST',
      url: '/oauth2/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refresh }).toString(),
    });
    expect(refreshed.statusCode).toBe(400);
    expect(refreshed.json().error).toBe('invalid_grant');
  });
});
