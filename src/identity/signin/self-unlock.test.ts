/**
 * Unlocking one's own account through a verified channel, through the real app (notifications'
 * recording provider) on both databases: a code goes to the sign-in mobile or the verified email
 * of a locked account, and lifts every lock; every other case gets the same answers and nothing
 * is sent; codes are single use, limited in tries and in number, and the calls are rate-limited.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/app.js';
import { databaseKinds } from '../../../test/databases.js';
import {
  e164,
  freshEmail,
  freshIp,
  freshMobile,
  login,
  PASSWORD,
  pkce,
  post,
  recordedCode,
} from '../../../test/support/identity/enrolment.js';
import { hashPassword } from '../accounts/password.js';
import { createAccount, createPatientAccount } from '../accounts/store.js';
import { LOCKOUT_POLICY } from './lockout.js';
import { UNLOCK_CODES_PER_DAY, UNLOCK_PER_IP_PER_MINUTE } from './self-unlock.js';

describe.each(databaseKinds)('self-unlock on %s', (kind) => {
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

  async function patient(mfaMethod: 'sms' | 'totp') {
    const username = freshEmail('unlock');
    const mobile = e164(freshMobile());
    const id = await createPatientAccount(db(), {
      username,
      fhirUser: `Patient/${randomBytes(6).toString('hex')}`,
      passwordHash,
      mfaMethod,
      ...(mfaMethod === 'sms' ? { mobile } : { totpSecret: 'JBSWY3DPEHPK3PXP' }),
      secretKey: t.pathways.identity.secretKey,
    });
    return { id: id!, username, mobile, recipient: mfaMethod === 'sms' ? mobile : username };
  }

  /** Five wrong passwords from `ip`: that address is locked out of the username. */
  async function lockOut(username: string, ip: string, password = 'wrong password!') {
    for (let i = 0; i < LOCKOUT_POLICY.temporaryAfter; i++) {
      expect((await login(app(), username, pkce().challenge, ip, password)).statusCode).toBe(401);
    }
    expect((await login(app(), username, pkce().challenge, ip)).statusCode).toBe(423);
  }

  const unlockCodes = async (recipient: string) =>
    Number(
      (
        await db().query<{ n: number }>(
          `SELECT count(*)::int AS n FROM notification_recorded WHERE recipient = $1 AND template = 'unlock-code'`,
          [recipient],
        )
      ).rows[0]!.n,
    );

  /** The latest unlock code sent to `recipient` (sent after the answer, so waited for). */
  async function codeFor(recipient: string, count = 1): Promise<string> {
    await vi.waitFor(async () => expect(await unlockCodes(recipient)).toBe(count), { timeout: 5000 });
    return recordedCode(db(), recipient, 'unlock-code');
  }

  it.each([
    'sms',
    'totp',
  ] as const)('unlocks a locked %s account with a code sent to its verified channel', async (method) => {
    const account = await patient(method);
    const ip = freshIp();
    await lockOut(account.username, ip);
    const asked = await post(app(), '/auth/unlock', { username: account.username }, ip);
    expect(asked.statusCode).toBe(202);
    expect(asked.json()).toEqual({ sent: true });
    expect(asked.headers['cache-control']).toBe('no-store');
    const code = await codeFor(account.recipient);

    const refused = await post(
      app(),
      '/auth/unlock/confirm',
      { username: account.username, code: wrong(code) },
      ip,
    );
    expect(refused.statusCode).toBe(401);
    const unlocked = await post(app(), '/auth/unlock/confirm', { username: account.username, code }, ip);
    expect(unlocked.statusCode, unlocked.body).toBe(200);
    expect(unlocked.json()).toEqual({ unlocked: true });
    expect((await login(app(), account.username, pkce().challenge, ip)).statusCode).toBe(200);
    // Single use.
    const again = await post(app(), '/auth/unlock/confirm', { username: account.username, code }, ip);
    expect(again.statusCode).toBe(401);
  });

  it('lifts a lock for good (10 failures over several addresses) as well', async () => {
    const account = await patient('totp');
    const addresses = [freshIp(), freshIp(), freshIp()];
    const clock = vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    try {
      for (let i = 1; i <= LOCKOUT_POLICY.permanentAfter; i++) {
        const ip = addresses[Math.floor((i - 1) / 4)]!;
        expect(
          (await login(app(), account.username, pkce().challenge, ip, 'wrong password!')).statusCode,
        ).toBe(401);
        if (i >= LOCKOUT_POLICY.temporaryAfter) clock.advanceTimersByTime(LOCKOUT_POLICY.temporaryMs);
      }
    } finally {
      vi.useRealTimers();
    }
    const desk = await t.bearer({ roles: ['service-desk'] });
    const summary = async () =>
      (
        await app().inject({
          method: 'GET',
          url: `/admin/accounts?username=${encodeURIComponent(account.username)}`,
          headers: { authorization: desk },
        })
      ).json().accounts[0];
    expect((await summary()).status).toBe('locked');
    const ip = freshIp();
    const locked = await login(app(), account.username, pkce().challenge, ip);
    expect(locked.statusCode).toBe(423);
    expect(locked.headers['retry-after']).toBeUndefined();
    await post(app(), '/auth/unlock', { username: account.username }, ip);
    const code = await codeFor(account.recipient);
    expect(
      (await post(app(), '/auth/unlock/confirm', { username: account.username, code }, ip)).statusCode,
    ).toBe(200);
    expect(await summary()).toMatchObject({ status: 'active', failedCount: 0, lockedUntil: null });
    for (const address of [ip, ...addresses]) {
      expect((await login(app(), account.username, pkce().challenge, address)).statusCode).toBe(200);
    }
  });

  it('answers alike and sends nothing for an unknown username, an unlocked, a suspended or a staff account', async () => {
    const ip = freshIp();
    const unlockedAccount = await patient('sms');
    const suspended = await patient('sms');
    await lockOut(suspended.username, ip);
    const desk = await t.bearer({ roles: ['service-desk'] });
    await app().inject({
      method: 'POST',
      url: `/admin/accounts/${suspended.id}/suspend`,
      headers: { authorization: desk },
    });
    const staff = await createAccount(db(), {
      username: `staff-${randomBytes(3).toString('hex')}`,
      role: 'prescriber',
      fhirUser: 'Practitioner/p1',
      secretKey: t.pathways.identity.secretKey,
    });
    await lockOut(staff.username, ip, 'wrong password!');
    const before = await db().query<{ n: number }>(
      `SELECT count(*)::int AS n FROM notification_recorded WHERE template = 'unlock-code'`,
    );
    const answers = [];
    for (const username of [
      'nobody@example.org',
      unlockedAccount.username,
      suspended.username,
      staff.username,
    ]) {
      const asked = await post(app(), '/auth/unlock', { username }, ip);
      const confirm = await post(app(), '/auth/unlock/confirm', { username, code: '123456' }, ip);
      answers.push({ asked: [asked.statusCode, asked.body], confirm: [confirm.statusCode, confirm.body] });
    }
    expect(answers[0]!.asked[0]).toBe(202);
    expect(answers[0]!.confirm[0]).toBe(401);
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    // Nothing was scheduled for any of them (the decision is taken before the answer).
    const after = await db().query<{ n: number }>(
      `SELECT count(*)::int AS n FROM notification_recorded WHERE template = 'unlock-code'`,
    );
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
    // The staff account stays locked: the service desk unlocks it.
    expect((await login(app(), staff.username, pkce().challenge, ip, staff.password)).statusCode).toBe(423);
    expect((await post(app(), '/auth/unlock', {}, ip)).statusCode).toBe(400);
  });

  it('limits codes per account, tries per code and calls per address', async () => {
    const account = await patient('sms');
    const ip = freshIp();
    await lockOut(account.username, ip);
    for (let sent = 1; sent <= UNLOCK_CODES_PER_DAY; sent++) {
      expect((await post(app(), '/auth/unlock', { username: account.username }, freshIp())).statusCode).toBe(
        202,
      );
      await codeFor(account.recipient, sent);
    }
    const beyond = await post(app(), '/auth/unlock', { username: account.username }, freshIp());
    expect(beyond.statusCode).toBe(202);
    const latest = await recordedCode(db(), account.recipient, 'unlock-code');
    // Five wrong tries use the code up: the right one is refused after them.
    for (let i = 0; i < 5; i++) {
      const guess = await post(
        app(),
        '/auth/unlock/confirm',
        { username: account.username, code: wrong(latest) },
        freshIp(),
      );
      expect(guess.statusCode).toBe(401);
    }
    const late = await post(
      app(),
      '/auth/unlock/confirm',
      { username: account.username, code: latest },
      freshIp(),
    );
    expect(late.statusCode).toBe(401);
    expect(await unlockCodes(account.recipient)).toBe(UNLOCK_CODES_PER_DAY);

    const flooder = freshIp();
    for (let i = 0; i < UNLOCK_PER_IP_PER_MINUTE; i++) {
      expect((await post(app(), '/auth/unlock', { username: 'x@example.org' }, flooder)).statusCode).toBe(
        202,
      );
    }
    const limited = await post(
      app(),
      '/auth/unlock/confirm',
      { username: 'x@example.org', code: '000000' },
      flooder,
    );
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
    expect(limited.json().issue[0].details.coding[0].code).toBe('RATE_LIMITED');
  });
});
