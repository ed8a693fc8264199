import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../test/databases.js';
import { type Database, openDatabase } from './database.js';

const LOCK = 7_399_001;

/** Runs `count` holders of the lock at once; returns the most that were ever inside together. */
async function overlap(holders: Database[], count: number): Promise<{ most: number; order: number[] }> {
  let inside = 0;
  let most = 0;
  const order: number[] = [];
  await Promise.all(
    Array.from({ length: count }, (_, index) =>
      holders[index % holders.length]!.exclusive(LOCK, async () => {
        inside++;
        most = Math.max(most, inside);
        // The work uses the database while the lock is held (on PostgreSQL, from the pool).
        await holders[index % holders.length]!.query('SELECT pg_sleep(0.05)');
        order.push(index);
        inside--;
      }),
    ),
  );
  return { most, order };
}

describe.each(databaseKinds)('exclusive on %s', (kind) => {
  let t: TestDatabase;
  const others: Database[] = [];
  beforeAll(async () => {
    t = await createTestDatabase(kind, { migrate: false });
    // PostgreSQL: separate pools stand for separate replicas (a pool of one connection included).
    if (kind === 'postgres') {
      for (const poolSize of [1, 3]) {
        others.push(await openDatabase({ databaseUrl: t.url, dataDir: t.dataDir, poolSize }));
      }
    }
  });
  afterAll(async () => {
    for (const db of others) await db.close();
    await t.dispose();
  });

  it('lets one holder in at a time, across processes sharing the server', async () => {
    const { most, order } = await overlap([t.db, ...others], 6);
    expect(most).toBe(1);
    expect(order.sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('passes on the result, and releases the lock when the work throws', async () => {
    await expect(
      t.db.exclusive(LOCK, async () => {
        throw new Error('first start failed');
      }),
    ).rejects.toThrow('first start failed');
    expect(await t.db.exclusive(LOCK, async () => 'next')).toBe('next');
    if (kind === 'postgres') {
      const held = await t.db.query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = $1", [
        LOCK,
      ]);
      expect(held.rowCount).toBe(0);
    }
  });
});
