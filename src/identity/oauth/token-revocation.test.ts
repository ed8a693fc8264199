/**
 * Live access tokens stop within seconds (docs/api.md §3; issue 17 section 5), through the
 * real app on both databases: suspension, an account-level lockout, a reused refresh token and a
 * replayed authorization code each make the tokens of the sessions concerned fail at once on the
 * instance that revoked them; on PostgreSQL a second instance on the same database refuses them
 * within its poll, while still answering from its verified-token cache.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/app.js';
import { databaseKinds } from '../../../test/databases.js';
import { buildPathways, type Pathways } from '../../app.js';
import { loadConfig } from '../../platform/config/config.js';
import { createLogger } from '../../platform/logging/logger.js';
import { createAccount } from '../accounts/store.js';
import { currentTotp } from '../accounts/totp.js';
import { LOCKOUT_POLICY } from '../signin/lockout.js';

let ipCounter = 0;
const freshIp = () => `203.0.113.${++ipCounter}`;

/** Sign-in and request helpers over one running app. */
function helpers(t: TestApp) {
  const form = (fields: Record<string, string>) => ({
    method: 'POST' as const,
    url: '/oauth2/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(fields).toString(),
  });

  async function newAccount() {
    return createAccount(t.pathways.db, {
      username: `revoke-${randomBytes(4).toString('hex')}`,
      role: 'prescriber',
      fhirUser: 'Practitioner/p1',
      org: 'A83010',
      secretKey: t.pathways.identity.secretKey,
    });
  }

  /** Password, code and token through HTTP; returns the tokens and the code used. */
  async function signIn(account: { username: string; password: string; totpSecret: string }, step = 0) {
    const app = t.pathways.app;
    const verifier = randomBytes(32).toString('base64url');
    const codeChallenge = createHash('sha256').update(verifier).digest('base64url');
    const ip = freshIp();
    const login = await app.inject({
      method: 'POST',
      url: '/auth/login',
      remoteAddress: ip,
      payload: {
        username: account.username,
        password: account.password,
        codeChallenge,
        codeChallengeMethod: 'S256',
      },
    });
    expect(login.statusCode, login.body).toBe(200);
    // A second sign-in of one account uses the next TOTP step: a code is accepted once.
    const at = new Date(Date.now() + step * 30_000);
    const mfa = await app.inject({
      method: 'POST',
      url: '/auth/mfa',
      remoteAddress: ip,
      payload: { login: login.json().login, otp: currentTotp(account.totpSecret, at) },
    });
    expect(mfa.statusCode, mfa.body).toBe(200);
    const code = mfa.json().code as string;
    const token = await app.inject({
      ...form({ grant_type: 'authorization_code', code, code_verifier: verifier }),
      remoteAddress: ip,
    });
    expect(token.statusCode, token.body).toBe(200);
    const body = token.json() as { access_token: string; refresh_token: string };
    return { bearer: `Bearer ${body.access_token}`, refresh: body.refresh_token, code, verifier, ip };
  }

  const read = (bearer: string, app = t.pathways.app) =>
    app.inject({ method: 'GET', url: '/fhir/R4/Organization', headers: { authorization: bearer } });

  async function expectRevoked(bearer: string, app = t.pathways.app) {
    const refused = await read(bearer, app);
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['www-authenticate']).toContain('invalid_token');
    expect(refused.json().issue[0].diagnostics).toMatch(/revoked/);
  }
  return { form, newAccount, signIn, read, expectRevoked };
}

describe.each(databaseKinds)('revoking live access tokens on %s', (kind) => {
  let t: TestApp;
  let deskBearer: string;
  let h: ReturnType<typeof helpers>;
  beforeAll(async () => {
    t = await startTestApp(kind);
    deskBearer = await t.bearer({ roles: ['service-desk'] });
    h = helpers(t);
  });
  afterAll(() => t?.close());

  it('stops a suspended account’s access tokens at once, and only that account’s', async () => {
    const account = await h.newAccount();
    const bystander = await h.newAccount();
    const session = await h.signIn(account);
    const other = await h.signIn(bystander);
    expect((await h.read(session.bearer)).statusCode).toBe(200);
    const suspended = await t.pathways.app.inject({
      method: 'POST',
      url: `/admin/accounts/${account.id}/suspend`,
      headers: { authorization: deskBearer },
    });
    expect(suspended.statusCode).toBe(200);
    await h.expectRevoked(session.bearer);
    expect((await h.read(other.bearer)).statusCode).toBe(200);
    // Reactivated and signed in again: the new session works, the old token stays dead.
    await t.pathways.app.inject({
      method: 'POST',
      url: `/admin/accounts/${account.id}/reactivate`,
      headers: { authorization: deskBearer },
    });
    const again = await h.signIn(account, 1);
    expect((await h.read(again.bearer)).statusCode).toBe(200);
    await h.expectRevoked(session.bearer);
  });

  it('stops the whole family’s access tokens when a refresh token is reused', async () => {
    const account = await h.newAccount();
    const session = await h.signIn(account);
    const rotated = await t.pathways.app.inject(
      h.form({ grant_type: 'refresh_token', refresh_token: session.refresh }),
    );
    expect(rotated.statusCode).toBe(200);
    const newer = `Bearer ${rotated.json().access_token}`;
    expect((await h.read(newer)).statusCode).toBe(200);
    const reused = await t.pathways.app.inject(
      h.form({ grant_type: 'refresh_token', refresh_token: session.refresh }),
    );
    expect(reused.statusCode).toBe(400);
    await h.expectRevoked(session.bearer);
    await h.expectRevoked(newer);
  });

  it('stops the tokens issued from an authorization code that is presented again', async () => {
    const account = await h.newAccount();
    const session = await h.signIn(account);
    const replay = await t.pathways.app.inject(
      h.form({ grant_type: 'authorization_code', code: session.code, code_verifier: session.verifier }),
    );
    expect(replay.statusCode).toBe(400);
    await h.expectRevoked(session.bearer);
  });

  it('stops the sessions started from an address locked out, and every session when the account locks', async () => {
    const account = await h.newAccount();
    const here = await h.signIn(account);
    const elsewhere = await h.signIn(account, 1);
    const wrong = (ip: string) =>
      t.pathways.app.inject({
        method: 'POST',
        url: '/auth/login',
        remoteAddress: ip,
        payload: {
          username: account.username,
          password: 'not-the-password',
          codeChallenge: 'A'.repeat(43),
          codeChallengeMethod: 'S256',
        },
      });
    // Five failures from where the first session was started: that address is locked out of the
    // username (the contract's 423) and its session ends; the session started elsewhere goes on.
    for (let i = 0; i < LOCKOUT_POLICY.temporaryAfter; i++)
      expect((await wrong(here.ip)).statusCode).toBe(401);
    expect((await wrong(here.ip)).statusCode).toBe(423);
    await h.expectRevoked(here.bearer);
    expect((await h.read(elsewhere.bearer)).statusCode).toBe(200);
    const summary = await t.pathways.app.inject({
      method: 'GET',
      url: `/admin/accounts?username=${account.username}`,
      headers: { authorization: deskBearer },
    });
    expect(summary.json().accounts[0]).toMatchObject({
      status: 'active',
      failedCount: 4,
      lockedAddresses: 1,
    });
    // One more failure from another address makes five over every address: the account locks and
    // every session ends.
    expect((await wrong(freshIp())).statusCode).toBe(401);
    await h.expectRevoked(elsewhere.bearer);
  });
});

describe.each(
  databaseKinds.filter((kind) => kind === 'postgres'),
)('revocation across instances on %s', (kind) => {
  let t: TestApp;
  let deskBearer: string;
  let h: ReturnType<typeof helpers>;
  beforeAll(async () => {
    t = await startTestApp(kind);
    deskBearer = await t.bearer({ roles: ['service-desk'] });
    h = helpers(t);
  });
  afterAll(() => t?.close());

  it('stops a token on another instance on the same database within its poll, without a database read per request', async () => {
    const env: Record<string, string> = {
      DATA_DIR: t.database.dataDir,
      DATABASE_URL: t.database.url!,
      PUBLIC_URL: 'http://pathways.test',
      LOG_LEVEL: 'silent',
      MLLP_PORT: '0',
      MAX_EVENT_LOOP_DELAY_MS: '0',
    };
    let other: Pathways | undefined;
    try {
      other = await buildPathways(loadConfig(env), createLogger({ level: 'silent' }), env);
      const account = await h.newAccount();
      const session = await h.signIn(account);
      expect((await h.read(session.bearer, other.app)).statusCode).toBe(200);
      const verifications = other.identity.verifier.stats.verifications;
      const suspended = await t.pathways.app.inject({
        method: 'POST',
        url: `/admin/accounts/${account.id}/suspend`,
        headers: { authorization: deskBearer },
      });
      expect(suspended.statusCode).toBe(200);
      const otherApp = other.app;
      await vi.waitFor(async () => expect((await h.read(session.bearer, otherApp)).statusCode).toBe(401), {
        timeout: 10_000,
        interval: 100,
      });
      await h.expectRevoked(session.bearer, otherApp);
      // Refused from the cached verification: the token was never verified again.
      expect(other.identity.verifier.stats.verifications).toBe(verifications);
    } finally {
      await other?.stop();
    }
  });
});
