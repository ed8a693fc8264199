/**
 * Signing in with a texted code, through the real app on both databases: `POST /auth/mfa/sms`
 * answers alike whoever asks, sends at most 3 codes a sign-in, and only the latest code of that
 * sign-in works; wrong texted codes lock the account exactly as wrong TOTP codes do.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/app.js';
import { databaseKinds } from '../../../test/databases.js';
import {
  e164,
  freshEmail,
  freshIp,
  freshMobile,
  login,
  messagesTo,
  PASSWORD,
  pkce,
  post,
  recordedCode,
} from '../../../test/support/identity/enrolment.js';
import { hashPassword } from '../accounts/password.js';
import { createAccount, createPatientAccount } from '../accounts/store.js';
import { LOCKOUT_POLICY } from '../signin/lockout.js';

describe.each(databaseKinds)('SMS sign-in on %s', (kind) => {
  let t: TestApp;
  let passwordHash: string;
  beforeAll(async () => {
    t = await startTestApp(kind);
    passwordHash = await hashPassword(PASSWORD);
  });
  afterAll(() => t?.close());

  const app = () => t.pathways.app;
  const db = () => t.pathways.db;
  const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

  async function smsAccount() {
    const username = freshEmail('sms');
    const mobile = freshMobile();
    const fhirUser = `Patient/${randomBytes(6).toString('hex')}`;
    const id = await createPatientAccount(db(), {
      username,
      fhirUser,
      passwordHash,
      mfaMethod: 'sms',
      mobile: e164(mobile),
      secretKey: t.pathways.identity.secretKey,
    });
    return { id: id!, username, mobile: e164(mobile), fhirUser, ip: freshIp() };
  }

  async function startLogin(account: { username: string; ip: string }) {
    const response = await login(app(), account.username, pkce().challenge, account.ip);
    expect(response.statusCode).toBe(200);
    return response.json().login as string;
  }

  it('answers 202 alike for an unknown or used login and a TOTP account, sending nothing', async () => {
    const ip = freshIp();
    const unknown = await post(app(), '/auth/mfa/sms', { login: 'no-such-login' }, ip);
    expect(unknown.statusCode).toBe(202);
    expect(unknown.json()).toEqual({ sent: true });

    const totp = await createAccount(db(), {
      username: `totp-${randomBytes(3).toString('hex')}`,
      role: 'patient',
      fhirUser: 'Patient/totp-user',
      secretKey: t.pathways.identity.secretKey,
    });
    const totpLogin = await login(app(), totp.username, pkce().challenge, ip, totp.password);
    expect(totpLogin.json().mfaMethods).toEqual(['totp']);
    const forTotp = await post(app(), '/auth/mfa/sms', { login: totpLogin.json().login }, ip);
    expect(forTotp.statusCode).toBe(202);
    expect(forTotp.body).toBe(unknown.body);
    const recorded = await db().query(`SELECT 1 FROM notification_recorded WHERE template = 'sign-in-code'`);
    expect(recorded.rowCount).toBe(0);

    const account = await smsAccount();
    const handle = await startLogin(account);
    await post(app(), '/auth/mfa/sms', { login: handle }, account.ip);
    const code = await recordedCode(db(), account.mobile, 'sign-in-code');
    expect((await post(app(), '/auth/mfa', { login: handle, otp: code }, account.ip)).statusCode).toBe(200);
    const finished = await post(app(), '/auth/mfa/sms', { login: handle }, account.ip);
    expect(finished.statusCode).toBe(202);
    expect(finished.body).toBe(unknown.body);
    expect(await messagesTo(db(), account.mobile)).toBe(1);
    expect((await post(app(), '/auth/mfa/sms', {}, ip)).statusCode).toBe(400);
  });

  it('sends at most 3 codes a sign-in; only the latest works', async () => {
    const account = await smsAccount();
    const handle = await startLogin(account);
    const codes: string[] = [];
    for (let i = 0; i < 3; i++) {
      expect((await post(app(), '/auth/mfa/sms', { login: handle }, account.ip)).statusCode).toBe(202);
      codes.push(await recordedCode(db(), account.mobile, 'sign-in-code'));
    }
    const fourth = await post(app(), '/auth/mfa/sms', { login: handle }, account.ip);
    expect(fourth.statusCode).toBe(429);
    expect(fourth.json().issue[0].details.coding[0].code).toBe('RATE_LIMITED');
    expect(await messagesTo(db(), account.mobile)).toBe(3);
    const latest = codes[2]!;
    const earlier = codes.find((code) => code !== latest);
    if (earlier)
      expect((await post(app(), '/auth/mfa', { login: handle, otp: earlier }, account.ip)).statusCode).toBe(
        401,
      );
    expect((await post(app(), '/auth/mfa', { login: handle, otp: latest }, account.ip)).statusCode).toBe(200);
  });

  it('refuses an expired texted code', async () => {
    const account = await smsAccount();
    const handle = await startLogin(account);
    await post(app(), '/auth/mfa/sms', { login: handle }, account.ip);
    const code = await recordedCode(db(), account.mobile, 'sign-in-code');
    await db().query(
      `UPDATE one_time_code SET expires_at = now() - interval '1 second' WHERE subject LIKE 'login:%' AND purpose = 'sign-in'`,
    );
    const expired = await post(app(), '/auth/mfa', { login: handle, otp: code }, account.ip);
    expect(expired.statusCode).toBe(401);
    expect(expired.json().issue[0].details.coding[0].code).toBe('UNAUTHORIZED');
  });

  it('locks the account after 5 failed texted codes, like TOTP failures (423)', async () => {
    const account = await smsAccount();
    const handle = await startLogin(account);
    // A code typed before any was sent counts as a failure too.
    expect((await post(app(), '/auth/mfa', { login: handle, otp: '000000' }, account.ip)).statusCode).toBe(
      401,
    );
    await post(app(), '/auth/mfa/sms', { login: handle }, account.ip);
    const code = await recordedCode(db(), account.mobile, 'sign-in-code');
    for (let i = 0; i < LOCKOUT_POLICY.temporaryAfter - 1; i++) {
      const response = await post(app(), '/auth/mfa', { login: handle, otp: wrong(code) }, account.ip);
      expect(response.statusCode).toBe(401);
    }
    const locked = await post(app(), '/auth/mfa', { login: handle, otp: code }, account.ip);
    expect(locked.statusCode).toBe(423);
    expect(locked.headers['retry-after']).toBe(String(LOCKOUT_POLICY.temporaryMs / 1000));
    const relogin = await login(app(), account.username, pkce().challenge, account.ip);
    expect(relogin.statusCode).toBe(423);
    // While locked, no code is sent.
    expect(await messagesTo(db(), account.mobile)).toBe(1);
    const state = await db().query<{ failed_count: number }>(
      'SELECT failed_count FROM account WHERE id = $1',
      [account.id],
    );
    expect(Number(state.rows[0]!.failed_count)).toBe(5);
    const audit = await db().query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_event WHERE content LIKE '%110137%' AND content LIKE $1`,
      [`%account:${account.id} locked%`],
    );
    expect(Number(audit.rows[0]!.n)).toBe(1);
  });

  it('sends nothing to a suspended account', async () => {
    const account = await smsAccount();
    const handle = await startLogin(account);
    await db().query(`UPDATE account SET status = 'suspended' WHERE id = $1`, [account.id]);
    expect((await post(app(), '/auth/mfa/sms', { login: handle }, account.ip)).statusCode).toBe(202);
    expect(await messagesTo(db(), account.mobile)).toBe(0);
  });
});
