import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../test/databases.js';
import { revokeAllForAccount, startFamily } from './refresh.js';
import { RevokedSessions } from './revocations.js';

describe.each(databaseKinds)('revoked sessions list on %s', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(() => t?.dispose());

  async function family(accountId = randomUUID()) {
    const { family } = await startFamily(t.db, {
      accountId,
      clientId: null,
      scope: 'user/*.*',
      authTime: Math.floor(Date.now() / 1000),
      amr: ['pwd', 'otp'],
    });
    return { id: family.id, accountId };
  }

  it('loads what was revoked while a token could still live, and what is revoked later', async () => {
    const old = await family();
    const recent = await family();
    const live = await family();
    await t.db.query(
      `UPDATE oauth_refresh_family SET revoked_at = now() - interval '40 minutes' WHERE id = $1`,
      [old.id],
    );
    await revokeAllForAccount(t.db, recent.accountId);
    const sessions = new RevokedSessions(t.db, { pollMs: 60_000 });
    await sessions.start();
    try {
      expect(sessions.has(recent.id)).toBe(true);
      expect(sessions.has(old.id)).toBe(false);
      expect(sessions.has(live.id)).toBe(false);
      await revokeAllForAccount(t.db, live.accountId);
      // Two callers at once share the polls; both see the committed revocation.
      await Promise.all([sessions.refresh(), sessions.refresh(), sessions.refresh()]);
      expect(sessions.has(live.id)).toBe(true);
    } finally {
      await sessions.stop();
    }
  });

  it('sees a revocation whose transaction began before a poll and committed after it', async () => {
    const sessions = new RevokedSessions(t.db, { pollMs: 60_000 });
    await sessions.start();
    try {
      const late = await family();
      // revoked_at a minute before the last poll, as a long transaction's now() would be.
      await t.db.query(
        `UPDATE oauth_refresh_family SET revoked_at = now() - interval '1 minute' WHERE id = $1`,
        [late.id],
      );
      await sessions.refresh();
      expect(sessions.has(late.id)).toBe(true);
    } finally {
      await sessions.stop();
    }
  });

  it('keeps the last known set when the database cannot be read, and stops polling when stopped', async () => {
    const warnings: string[] = [];
    let down = false;
    const db = {
      query: ((sql: string, params?: unknown[]) =>
        down
          ? Promise.reject(new Error('connection refused'))
          : t.db.query(sql, params)) as typeof t.db.query,
    };
    const revoked = await family();
    await revokeAllForAccount(t.db, revoked.accountId);
    const sessions = new RevokedSessions(db, { log: { warn: (_o, message) => warnings.push(message) } });
    await sessions.start();
    expect(sessions.has(revoked.id)).toBe(true);
    down = true;
    await sessions.refresh();
    await sessions.refresh();
    expect(sessions.has(revoked.id)).toBe(true);
    expect(warnings).toHaveLength(1);
    await sessions.stop();
    await sessions.refresh();
    expect(warnings).toHaveLength(1);
  });
});
