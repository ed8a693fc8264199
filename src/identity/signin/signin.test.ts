import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../test/databases.js';
import {
  buildHarness,
  enrol,
  type Harness,
  login,
  mfa,
  otpNow,
  pkcePair,
  wrongOtp,
} from '../../../test/support/identity/signin.js';
import { AuthorizationCodeError, redeemAuthorizationCode } from './authorization-code.js';

describe.each(databaseKinds)('sign-in on %s', (kind) => {
  let t: TestDatabase;
  let h: Harness;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
    h = await buildHarness(t.db);
  });
  afterAll(async () => {
    await h?.close();
    await t?.dispose();
  });

  /** Password and code; returns the authorization code and its verifier. */
  async function signIn(username: string, password: string, secret: string) {
    const pkce = pkcePair();
    const first = await login(h, username, password, pkce.challenge);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ login: expect.any(String), mfaRequired: true, mfaMethods: ['totp'] });
    const second = await mfa(h, first.json().login, otpNow(h, secret));
    expect(second.statusCode).toBe(200);
    return { code: second.json().code as string, verifier: pkce.verifier, handle: first.json().login };
  }

  const redeem = (code: string, codeVerifier: string) =>
    redeemAuthorizationCode(t.db, { code, codeVerifier, now: h.clock.now });

  async function failure(promise: Promise<unknown>): Promise<AuthorizationCodeError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AuthorizationCodeError);
    return error as AuthorizationCodeError;
  }

  it('signs in with password and code; the code redeems once with the right verifier', async () => {
    const user = await enrol(h, t.db, 'flow.user');
    const { code, verifier } = await signIn('FLOW.USER', user.password, user.totpSecret);
    const redeemed = await redeem(code, verifier);
    expect(redeemed).toMatchObject({ accountId: user.id, amr: ['pwd', 'otp'] });
    expect(redeemed.authTime).toBe(Math.floor(h.clock.now.getTime() / 1000));
    const again = await failure(redeem(code, verifier));
    expect(again).toMatchObject({
      reason: 'reused',
      codeId: redeemed.codeId,
      accountId: user.id,
      status: 400,
    });
    const audit = await t.db.query<{ content: string }>('SELECT content FROM audit_event WHERE agent = $1', [
      user.fhirUser,
    ]);
    const events = audit.rows.map((row) => JSON.parse(row.content));
    expect(events.some((e) => e.outcome === '0' && e.subtype[0].code === '110122')).toBe(true);
    expect(JSON.stringify(events)).not.toContain(user.password);
    expect(JSON.stringify(events).toLowerCase()).not.toContain('flow.user');
  });

  it('refuses a wrong verifier, an expired code and an unknown code', async () => {
    const user = await enrol(h, t.db, 'pkce.user');
    const first = await signIn('pkce.user', user.password, user.totpSecret);
    expect((await failure(redeem(first.code, pkcePair().verifier))).reason).toBe('pkce');
    h.advance(30_000);
    const second = await signIn('pkce.user', user.password, user.totpSecret);
    h.advance(60_000);
    expect((await failure(redeem(second.code, second.verifier))).reason).toBe('expired');
    expect((await failure(redeem('not-a-code', second.verifier))).reason).toBe('unknown');
  });

  it('uses a login handle once and only for 5 minutes; a code is not accepted twice', async () => {
    const user = await enrol(h, t.db, 'handle.user');
    h.advance(30_000);
    const done = await signIn('handle.user', user.password, user.totpSecret);
    expect((await mfa(h, done.handle, otpNow(h, user.totpSecret))).statusCode).toBe(401);

    // The same TOTP code again, on a fresh sign-in within its window: refused as a replay.
    const fresh = await login(h, 'handle.user', user.password);
    const replay = await mfa(h, fresh.json().login, otpNow(h, user.totpSecret));
    expect(replay.statusCode).toBe(401);
    // Not "wrong": the person has the right device and only needs the next code.
    expect(replay.json().issue[0].details.coding[0].code).toBe('CODE_ALREADY_USED');
    expect(replay.json().issue[0].diagnostics).toMatch(/just been used\. Wait for the next code/);
    h.advance(30_000);
    expect((await mfa(h, fresh.json().login, otpNow(h, user.totpSecret))).statusCode).toBe(200);

    const stale = await login(h, 'handle.user', user.password);
    h.advance(5 * 60_000 + 1);
    expect((await mfa(h, stale.json().login, otpNow(h, user.totpSecret))).statusCode).toBe(401);
  });

  it('answers an unknown user exactly as a wrong password, and a wrong code with 401', async () => {
    const user = await enrol(h, t.db, 'enum.user');
    const wrong = await login(h, 'enum.user', 'not-the-password');
    const unknown = await login(h, 'nobody.here', 'not-the-password');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(unknown.body).toBe(wrong.body);
    const handle = (await login(h, 'enum.user', user.password)).json().login;
    const bad = await mfa(h, handle, wrongOtp(h, user.totpSecret));
    expect(bad.statusCode).toBe(401);
    expect(bad.json().issue[0].details.coding[0].code).toBe('UNAUTHORIZED');
    expect((await h.app.inject({ method: 'POST', url: '/auth/login', payload: {} })).statusCode).toBe(400);
  });

  it('rate-limits sign-in per username and per IP with 429 and Retry-After', async () => {
    const limited = await buildHarness(t.db, { loginPerUsernamePerMinute: 2, loginPerIpPerMinute: 3 });
    try {
      await login(limited, 'rate.user', 'x-password');
      await login(limited, 'rate.user', 'x-password');
      const third = await login(limited, 'rate.user', 'x-password');
      expect(third.statusCode).toBe(429);
      expect(third.headers['retry-after']).toBeDefined();
      expect(third.json().issue[0].details.coding[0].code).toBe('RATE_LIMITED');
      expect((await login(limited, 'other.user', 'x-password')).statusCode).toBe(429);
    } finally {
      await limited.close();
    }
  });
});
