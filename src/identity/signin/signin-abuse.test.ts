/**
 * Sign-in abuse (issue 17 section 5) on both databases: an unknown username locks exactly as a
 * known one, one address cannot lock an account for its holder elsewhere, failures spread over
 * addresses still lock the account, and the failure counts stay bounded and keep no username.
 */
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
  pkcePair,
  wrongPassword,
} from '../../../test/support/identity/signin.js';
import {
  ALL_SOURCES,
  countFailure,
  failureCounts,
  pruneFailureCounts,
  usernameKeyer,
} from './failure-store.js';
import { LOCKOUT_POLICY } from './lockout.js';

let ipCounter = 0;
/** A documentation-range address not used by any other test here. */
const freshIp = (): string => {
  ipCounter++;
  return `198.51.${Math.floor(ipCounter / 250)}.${(ipCounter % 250) + 1}`;
};

/** What a client can see of an answer, apart from what differs per request. */
const visible = (response: Awaited<ReturnType<typeof login>>) => ({
  status: response.statusCode,
  body: response.body,
  retryAfter: response.headers['retry-after'],
  contentType: response.headers['content-type'],
  cacheControl: response.headers['cache-control'],
});

describe.each(databaseKinds)('sign-in abuse on %s', (kind) => {
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

  it('answers an unknown username exactly as a known one, lockout included', async () => {
    await enrol(h, t.db, 'abuse.known');
    const ip = freshIp();
    for (let i = 1; i <= LOCKOUT_POLICY.temporaryAfter; i++) {
      const known = visible(await wrongPassword(h, 'abuse.known', ip));
      const unknown = visible(await wrongPassword(h, 'abuse.nobody', ip));
      expect(known.status).toBe(401);
      expect(unknown).toEqual(known);
    }
    const known = visible(await wrongPassword(h, 'abuse.known', ip));
    const unknown = visible(await wrongPassword(h, 'abuse.nobody', ip));
    expect(known.status).toBe(423);
    expect(known.retryAfter).toBe(String(LOCKOUT_POLICY.temporaryMs / 1000));
    expect(JSON.parse(known.body).issue[0].details.coding[0].code).toBe('ACCOUNT_LOCKED');
    expect(unknown).toEqual(known);
  });

  it('locks an unknown username for good after 10 failures over several addresses, like a known one', async () => {
    await enrol(h, t.db, 'abuse.ten');
    const addresses = [freshIp(), freshIp(), freshIp()];
    for (let i = 1; i <= LOCKOUT_POLICY.permanentAfter; i++) {
      const ip = addresses[Math.floor((i - 1) / 4)]!;
      const known = visible(await wrongPassword(h, 'abuse.ten', ip));
      const unknown = visible(await wrongPassword(h, 'abuse.none', ip));
      expect(known.status).toBe(401);
      expect(unknown).toEqual(known);
      if (i >= LOCKOUT_POLICY.temporaryAfter) h.advance(LOCKOUT_POLICY.temporaryMs);
    }
    h.advance(7 * 24 * 3600_000);
    const other = freshIp();
    const known = visible(await wrongPassword(h, 'abuse.ten', other));
    const unknown = visible(await wrongPassword(h, 'abuse.none', other));
    expect(known.status).toBe(423);
    expect(known.retryAfter).toBeUndefined();
    expect(unknown).toEqual(known);
  });

  it('locks a suspended account as any other (a suspension does not show through the lockout)', async () => {
    const user = await enrol(h, t.db, 'abuse.suspended');
    expect((await desk(h, 'POST', `/admin/accounts/${user.id}/suspend`)).statusCode).toBe(200);
    const ip = freshIp();
    for (let i = 1; i <= LOCKOUT_POLICY.temporaryAfter; i++) {
      expect((await wrongPassword(h, 'abuse.suspended', ip)).statusCode).toBe(401);
      expect((await wrongPassword(h, 'abuse.no-such', ip)).statusCode).toBe(401);
    }
    const suspended = visible(await wrongPassword(h, 'abuse.suspended', ip));
    const unknown = visible(await wrongPassword(h, 'abuse.no-such', ip));
    expect(suspended.status).toBe(423);
    expect(unknown).toEqual(suspended);
  });

  it('locks one address out of a username without locking the account for its holder', async () => {
    const user = await enrol(h, t.db, 'abuse.target');
    const attacker = freshIp();
    for (let i = 1; i <= LOCKOUT_POLICY.temporaryAfter; i++) {
      expect((await wrongPassword(h, 'abuse.target', attacker)).statusCode).toBe(401);
    }
    // The attacker's address sees the contract's lock, even with the right password...
    const refused = await login(h, 'abuse.target', user.password, undefined, attacker);
    expect(refused.statusCode).toBe(423);
    expect(refused.headers['retry-after']).toBe(String(LOCKOUT_POLICY.temporaryMs / 1000));
    // ...while the holder, elsewhere, signs in.
    const holder = freshIp();
    const first = await login(h, 'abuse.target', user.password, pkcePair().challenge, holder);
    expect(first.statusCode).toBe(200);
    expect((await mfa(h, first.json().login, otpNow(h, user.totpSecret), holder)).statusCode).toBe(200);
    const summary = (await desk(h, 'GET', '/admin/accounts?username=abuse.target')).json().accounts[0];
    // The desk sees the address lock on an active account...
    expect(summary).toMatchObject({
      status: 'active',
      lockedUntil: null,
      failedCount: 0,
      lockedAddresses: 1,
    });
    // The holder's sign-in does not lift the attacker's lock.
    expect((await login(h, 'abuse.target', user.password, undefined, attacker)).statusCode).toBe(423);
    // ...and its unlock lifts it.
    const unlocked = await desk(h, 'POST', `/admin/accounts/${user.id}/unlock`);
    expect(unlocked.json()).toMatchObject({ status: 'active', lockedAddresses: 0 });
    expect((await login(h, 'abuse.target', user.password, undefined, attacker)).statusCode).toBe(200);
  });

  it('locks the account for everyone when failures come from several addresses', async () => {
    const user = await enrol(h, t.db, 'abuse.spread');
    const [a, b, c] = [freshIp(), freshIp(), freshIp()];
    for (const ip of [a, a, a, b, b])
      expect((await wrongPassword(h, 'abuse.spread', ip)).statusCode).toBe(401);
    const locked = await login(h, 'abuse.spread', user.password, undefined, c);
    expect(locked.statusCode).toBe(423);
    expect(locked.headers['retry-after']).toBe(String(LOCKOUT_POLICY.temporaryMs / 1000));
    const summary = (await desk(h, 'GET', '/admin/accounts?username=abuse.spread')).json().accounts[0];
    expect(summary).toMatchObject({ status: 'active', failedCount: 5, lockedUntil: expect.any(String) });
  });

  it('forgets failures a day old, but not a lock for good', async () => {
    const ip = freshIp();
    for (let i = 1; i < LOCKOUT_POLICY.temporaryAfter; i++) {
      expect((await wrongPassword(h, 'abuse.slow', ip)).statusCode).toBe(401);
    }
    h.advance(LOCKOUT_POLICY.forgetAfterMs + 1000);
    // A fifth failure a day later starts a new count: no lock.
    expect((await wrongPassword(h, 'abuse.slow', ip)).statusCode).toBe(401);
    expect((await wrongPassword(h, 'abuse.slow', ip)).statusCode).toBe(401);
  });

  it('stores usernames only as keyed hashes, and keeps the table bounded', async () => {
    await wrongPassword(h, 'abuse.Secret-Looking.Name', freshIp());
    const rows = await t.db.query<{ username_key: string }>('SELECT username_key FROM signin_failure');
    expect(JSON.stringify(rows.rows).toLowerCase()).not.toContain('abuse');
    for (const row of rows.rows) expect(row.username_key).toMatch(/^[0-9a-f]{64}$/);

    const keyOf = usernameKeyer(Buffer.alloc(32, 7));
    const start = new Date('2030-01-01T00:00:00Z');
    const at = (minutes: number) => new Date(start.getTime() + minutes * 60_000);
    for (let i = 0; i < 6; i++) await countFailure(t.db, keyOf(`flood-${i}`), ALL_SOURCES, at(i));
    // One username locked for good, long ago.
    for (let i = 0; i < LOCKOUT_POLICY.permanentAfter; i++) {
      await countFailure(t.db, keyOf('flood-permanent'), ALL_SOURCES, at(-3 * 24 * 60 + i));
    }
    const pruneAt = new Date(at(1).getTime() + LOCKOUT_POLICY.forgetAfterMs + 30_000);
    const before = Number(
      (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM signin_failure')).rows[0]!.n,
    );
    // Forgotten: flood-0 and flood-1 (their last failure is over a day before pruneAt).
    const pruned = await pruneFailureCounts(t.db, pruneAt, before);
    expect(pruned).toBeGreaterThanOrEqual(2);
    expect((await failureCounts(t.db, keyOf('flood-0'), 'x')).all).toBeUndefined();
    expect((await failureCounts(t.db, keyOf('flood-5'), 'x')).all).toEqual({ failedCount: 1 });
    expect((await failureCounts(t.db, keyOf('flood-permanent'), 'x')).all?.failedCount).toBe(10);
    // Over the cap, the least recently failed go first.
    await pruneFailureCounts(t.db, pruneAt, 2);
    const left = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM signin_failure');
    expect(Number(left.rows[0]!.n)).toBe(2);
    expect((await failureCounts(t.db, keyOf('flood-5'), 'x')).all).toBeDefined();
    expect((await failureCounts(t.db, keyOf('flood-4'), 'x')).all).toBeDefined();
  });
});
