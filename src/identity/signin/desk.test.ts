import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../test/databases.js';
import {
  buildHarness,
  desk,
  enrol,
  type Harness,
  login,
  mfa,
  otpNow,
  wrongOtp,
  wrongPassword,
} from '../../../test/support/identity/signin.js';
import { currentTotp } from '../accounts/totp.js';
import { runUserAdd } from '../accounts/user-add.js';
import { LOCKOUT_POLICY } from './lockout.js';

describe.each(databaseKinds)('lockout, service desk and user add on %s', (kind) => {
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

  const summaryOf = async (username: string) => {
    const response = await desk(h, 'GET', `/admin/accounts?username=${encodeURIComponent(username)}`);
    expect(response.statusCode).toBe(200);
    return response.json().accounts[0];
  };

  it('locks for 15 minutes after 5 failed passwords or codes (423 + Retry-After)', async () => {
    const user = await enrol(h, t.db, 'lock.five');
    for (let i = 0; i < 4; i++) expect((await login(h, 'lock.five', 'wrong-password')).statusCode).toBe(401);
    const handle = (await login(h, 'lock.five', user.password)).json().login;
    expect((await mfa(h, handle, wrongOtp(h, user.totpSecret))).statusCode).toBe(401);
    const locked = await login(h, 'lock.five', user.password);
    expect(locked.statusCode).toBe(423);
    expect(locked.headers['retry-after']).toBe(String(LOCKOUT_POLICY.temporaryMs / 1000));
    expect(locked.json().issue[0].details.coding[0].code).toBe('ACCOUNT_LOCKED');
    // The handle from before the lock is refused too.
    expect((await mfa(h, handle, otpNow(h, user.totpSecret))).statusCode).toBe(423);
    h.advance(LOCKOUT_POLICY.temporaryMs);
    const again = await login(h, 'lock.five', user.password);
    expect((await mfa(h, again.json().login, otpNow(h, user.totpSecret))).statusCode).toBe(200);
    expect((await summaryOf('lock.five')).failedCount).toBe(0);
  });

  it('locks until the service desk unlocks after 10 failures; the summary has no secrets', async () => {
    const user = await enrol(h, t.db, 'lock.ten');
    // Spread over three addresses: one address alone only locks itself out (signin-abuse.test.ts).
    for (let i = 1; i <= 10; i++) {
      const ip = i <= 4 ? '192.0.2.1' : i <= 8 ? '192.0.2.2' : '192.0.2.3';
      expect((await wrongPassword(h, 'lock.ten', ip)).statusCode).toBe(401);
      if (i >= 5) h.advance(LOCKOUT_POLICY.temporaryMs);
    }
    h.advance(24 * 3600_000);
    const locked = await login(h, 'lock.ten', user.password);
    expect(locked.statusCode).toBe(423);
    expect(locked.headers['retry-after']).toBeUndefined();

    expect((await h.app.inject({ method: 'GET', url: '/admin/accounts?username=lock.ten' })).statusCode).toBe(
      401,
    );
    expect((await desk(h, 'GET', '/admin/accounts?username=lock.ten', 'patient')).statusCode).toBe(403);
    const found = await desk(h, 'GET', `/admin/accounts?identifier=${encodeURIComponent(user.fhirUser)}`);
    const text = found.body;
    expect(found.json().accounts).toEqual([
      expect.objectContaining({ id: user.id, status: 'locked', failedCount: 10, role: 'prescriber' }),
    ]);
    for (const secret of [user.password, user.totpSecret, '$argon2', 'v1:', 'hash', 'totp']) {
      expect(text).not.toContain(secret);
    }
    const unlocked = await desk(h, 'POST', `/admin/accounts/${user.id}/unlock`);
    expect(unlocked.json()).toMatchObject({ status: 'active', failedCount: 0, lockedUntil: null });
    const handle = (await login(h, 'lock.ten', user.password)).json().login;
    expect((await mfa(h, handle, otpNow(h, user.totpSecret))).statusCode).toBe(200);
    const audit = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_event WHERE content LIKE '%110137%' AND content LIKE $1`,
      [`%${user.id}%`],
    );
    expect(Number(audit.rows[0]!.n)).toBeGreaterThanOrEqual(7); // 6 locks and the unlock
  });

  it('refuses a suspended account like a wrong password, until reactivated', async () => {
    const user = await enrol(h, t.db, 'suspend.me');
    const wrong = await login(h, 'suspend.me', 'wrong-password');
    const suspended = await desk(h, 'POST', `/admin/accounts/${user.id}/suspend`);
    expect(suspended.json().status).toBe('suspended');
    expect(h.suspended).toContain(user.id);
    const refused = await login(h, 'suspend.me', user.password);
    expect(refused.statusCode).toBe(401);
    expect(refused.body).toBe(wrong.body);
    expect((await desk(h, 'POST', `/admin/accounts/${user.id}/reactivate`)).json().status).toBe('active');
    expect((await login(h, 'suspend.me', user.password)).statusCode).toBe(200);
    const missing = await desk(h, 'POST', '/admin/accounts/00000000-0000-4000-8000-000000000000/unlock');
    expect(missing.statusCode).toBe(404);
  });

  it('`user add` prints one JSON object; the printed credentials sign in', async () => {
    let out = '';
    let err = '';
    const io = {
      out: (s: string) => {
        out += s;
      },
      err: (s: string) => {
        err += s;
      },
    };
    const argv = [
      '--username',
      'cli.user',
      '--role',
      'dispenser',
      '--org',
      'fa565',
      '--fhir-user',
      'Practitioner/p9',
    ];
    expect(await runUserAdd(t.db, argv, h.secretKey, io)).toBe(0);
    const printed = JSON.parse(out);
    expect(Object.keys(printed)).toEqual(['id', 'username', 'password', 'role', 'totpSecret']);
    expect(printed).toMatchObject({ username: 'cli.user', role: 'dispenser' });
    expect(printed.password).toHaveLength(20);
    const handle = (await login(h, 'cli.user', printed.password)).json().login;
    const signedIn = await mfa(h, handle, currentTotp(printed.totpSecret, h.clock.now));
    expect(signedIn.statusCode).toBe(200);
    expect((await summaryOf('cli.user')).org).toBe('FA565');

    expect(await runUserAdd(t.db, ['--username', 'CLI.USER', '--role', 'admin'], h.secretKey, io)).toBe(1);
    err = '';
    expect(await runUserAdd(t.db, ['--username', 'x.user', '--role', 'wizard'], h.secretKey, io)).toBe(2);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toContain('role must be one of');
    expect(await runUserAdd(t.db, ['--username', 'y.user'], h.secretKey, io)).toBe(2);
    expect(await runUserAdd(t.db, ['--bogus'], h.secretKey, io)).toBe(2);
  });
});
