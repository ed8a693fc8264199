import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../test/databases.js';
import {
  countRows,
  newTrail,
  readOf,
  resetAuditTrail,
  VERIFY,
  writeSequentially,
} from '../../../test/support/platform/audit.js';
import { type Database, openDatabase, type Queryable } from '../database/database.js';
import { AuditTrailClosed } from './trail.js';
import { verifyAuditTrail } from './verify.js';

describe.each(databaseKinds)('AuditTrail on %s', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(() => t?.dispose());
  beforeEach(() => resetAuditTrail(t.db));

  it('resolves each record only once it is committed, and chains records across batches', async () => {
    const { trail } = newTrail(t.db);
    await trail.record(readOf('Patient/p1'));
    expect(await countRows(t.db)).toBe(1);
    await writeSequentially(trail, 4);
    await Promise.all(Array.from({ length: 50 }, (_, n) => trail.record(readOf(`Patient/p${n % 4}`, n))));
    expect(await countRows(t.db)).toBe(55);
    expect(trail.stats).toMatchObject({ records: 55, failedFlushes: 0 });
    expect(await verifyAuditTrail(t.db, VERIFY)).toEqual({ ok: true, count: 55 });
    const head = await t.db.query<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_chain');
    const newest = await t.db.query<{ hash: string }>('SELECT hash FROM audit_event WHERE seq = 55');
    expect(head.rows[0]).toEqual({ seq: 55, hash: newest.rows[0]!.hash });
  });

  it('stores the AuditEvent and its indexed columns', async () => {
    const { trail } = newTrail(t.db, { site: 'replica-a' });
    await trail.record(readOf('Patient/p9', 3));
    const row = (
      await t.db.query<{ patient: string; agent: string; action: string; content: string; id: string }>(
        'SELECT id, patient, agent, action, content FROM audit_event',
      )
    ).rows[0]!;
    expect(row).toMatchObject({ patient: 'Patient/p9', agent: 'Practitioner/pr1', action: 'R' });
    expect(JSON.parse(row.content)).toMatchObject({
      resourceType: 'AuditEvent',
      id: row.id,
      source: { site: 'replica-a' },
    });
  });

  it('batches a burst of 2,000 concurrent records into far fewer transactions', async () => {
    const { trail, metrics } = newTrail(t.db);
    const burst = Array.from({ length: 2000 }, (_, n) => trail.record(readOf(`Patient/p${n % 10}`, n)));
    await Promise.all(burst);
    expect(await countRows(t.db)).toBe(2000);
    expect(trail.stats.records).toBe(2000);
    expect(trail.stats.flushes).toBeLessThan(50);
    expect(await verifyAuditTrail(t.db, { ...VERIFY, pageSize: 300 })).toEqual({ ok: true, count: 2000 });
    const text = await metrics.metrics();
    expect(text).toMatch(/pathways_audit_records_total 2000/);
    expect(text).toMatch(/pathways_audit_flushes_total \d+/);
  });

  it('keeps batching under a steady stream of records', async () => {
    const { trail } = newTrail(t.db);
    const all: Promise<void>[] = [];
    for (let wave = 0; wave < 20; wave++) {
      for (let n = 0; n < 25; n++) all.push(trail.record(readOf('Patient/p1', n)));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(all);
    expect(trail.stats.records).toBe(500);
    expect(trail.stats.flushes).toBeLessThan(500);
    expect(await verifyAuditTrail(t.db, VERIFY)).toEqual({ ok: true, count: 500 });
  });

  it('keeps each writer (replica) on an intact chain of its own when two record concurrently', async () => {
    // On PostgreSQL the second writer has its own connection pool, like another replica.
    const other: Database =
      kind === 'postgres'
        ? await openDatabase({ databaseUrl: t.url, dataDir: t.dataDir, poolSize: 4 })
        : t.db;
    try {
      const a = newTrail(t.db, { site: 'a' }).trail;
      const b = newTrail(other, { site: 'b' }).trail;
      const writes: Promise<void>[] = [];
      for (let n = 0; n < 400; n++) {
        writes.push(a.record(readOf('Patient/pa', n)), b.record(readOf('Patient/pb', n)));
        if (n % 40 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      await Promise.all(writes);
      expect(await countRows(t.db)).toBe(800);
      expect(await verifyAuditTrail(t.db, VERIFY)).toEqual({ ok: true, count: 800 });
      const sites = await t.db.query<{ n: number }>(
        "SELECT count(DISTINCT content::json->'source'->>'site')::int AS n FROM audit_event",
      );
      expect(sites.rows[0]!.n).toBe(2);
      const chains = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_chain');
      expect(chains.rows[0]!.n).toBe(2);
    } finally {
      if (other !== t.db) await other.close();
    }
  });

  it('rejects the records of a failed flush, writes nothing of them, and carries on', async () => {
    let failNext = false;
    const guard = (queryable: Queryable): Queryable['query'] =>
      (async (sql: string, params?: unknown[]) => {
        if (failNext && sql.includes('INSERT INTO audit_event')) {
          failNext = false;
          throw new Error('disk full');
        }
        return queryable.query(sql, params);
      }) as Queryable['query'];
    const flaky: Database = {
      ...t.db,
      kind: t.db.kind,
      query: guard(t.db),
      exec: t.db.exec.bind(t.db),
      poolStats: t.db.poolStats.bind(t.db),
      close: t.db.close.bind(t.db),
      transaction: (fn) => t.db.transaction((tx) => fn({ query: guard(tx) })),
    };
    const { trail } = newTrail(flaky);
    await writeSequentially(trail, 3);
    failNext = true;
    const failed = Array.from({ length: 10 }, (_, n) => trail.record(readOf('Patient/p2', n)));
    const outcomes = await Promise.allSettled(failed);
    expect(outcomes.every((outcome) => outcome.status === 'rejected')).toBe(true);
    expect(trail.stats.failedFlushes).toBe(1);
    expect(await countRows(t.db)).toBe(3);
    await writeSequentially(trail, 2);
    expect(await verifyAuditTrail(t.db, VERIFY)).toEqual({ ok: true, count: 5 });
  });

  /** The database, counting the statements and transactions the trail sends through it. */
  function counting(lostAfterCommit: { next: boolean } = { next: false }) {
    const sent: string[] = [];
    let transactions = 0;
    const db: Database = {
      ...t.db,
      kind: t.db.kind,
      query: (async (sql: string, params?: unknown[]) => {
        sent.push(sql.trim().split(/\s+/).slice(0, 2).join(' '));
        const result = await t.db.query(sql, params);
        if (lostAfterCommit.next && sql.includes('INSERT INTO audit_event')) {
          lostAfterCommit.next = false;
          throw new Error('connection lost at commit');
        }
        return result;
      }) as Database['query'],
      exec: t.db.exec.bind(t.db),
      poolStats: t.db.poolStats.bind(t.db),
      close: t.db.close.bind(t.db),
      transaction: (fn) => {
        transactions += 1;
        return t.db.transaction(fn);
      },
    };
    return { db, sent, transactions: () => transactions };
  }

  it('writes a batch as one statement in its own transaction, with no lock and no head read', async () => {
    const { db, sent, transactions } = counting();
    const { trail } = newTrail(db);
    for (let flush = 0; flush < 3; flush++) {
      await Promise.all(Array.from({ length: 10 }, (_, n) => trail.record(readOf('Patient/p1', n))));
    }
    expect(trail.stats).toMatchObject({ records: 30, flushes: 3 });
    expect(sent).toEqual(['WITH head', 'WITH head', 'WITH head']);
    expect(transactions()).toBe(0);
    expect(await verifyAuditTrail(t.db, VERIFY)).toEqual({ ok: true, count: 30 });
  });

  it('reads its head back only after a flush whose outcome it never learnt', async () => {
    const lost = { next: false };
    const { db, sent } = counting(lost);
    const { trail } = newTrail(db);
    await writeSequentially(trail, 2);
    lost.next = true;
    // Committed, but the answer was lost: the waiting requests fail, the records stay in the chain.
    await expect(trail.record(readOf('Patient/p1', 3))).rejects.toThrow(/connection lost/);
    await writeSequentially(trail, 2);
    expect(sent).toEqual(['WITH head', 'WITH head', 'WITH head', 'SELECT seq,', 'WITH head', 'WITH head']);
    expect(await verifyAuditTrail(t.db, VERIFY)).toEqual({ ok: true, count: 5 });
  });

  it('flushes queued records on close and refuses new ones after', async () => {
    const { trail } = newTrail(t.db);
    const pending = Array.from({ length: 20 }, (_, n) => trail.record(readOf('Patient/p1', n)));
    await trail.close();
    await expect(Promise.all(pending)).resolves.toBeDefined();
    expect(await countRows(t.db)).toBe(20);
    await expect(trail.record(readOf('Patient/p1'))).rejects.toBeInstanceOf(AuditTrailClosed);
  });

  it('rejects a malformed record without touching the queue', async () => {
    const { trail } = newTrail(t.db);
    await expect(trail.record({ ...readOf('Patient/p1'), patient: 'Jane Smith' })).rejects.toThrow(/patient/);
    await trail.record(readOf('Patient/p1'));
    expect(await verifyAuditTrail(t.db, VERIFY)).toEqual({ ok: true, count: 1 });
  });
});

describe.each(databaseKinds)('audit tables on %s refuse changes', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(() => t?.dispose());
  beforeEach(async () => {
    await resetAuditTrail(t.db);
    await writeSequentially(newTrail(t.db).trail, 3);
  });

  it('refuses UPDATE, DELETE and TRUNCATE on audit_event', async () => {
    await expect(t.db.query("UPDATE audit_event SET agent = 'x' WHERE seq = 2")).rejects.toThrow(
      /append-only: UPDATE on audit_event refused/,
    );
    await expect(t.db.query('DELETE FROM audit_event WHERE seq = 3')).rejects.toThrow(
      /append-only: DELETE on audit_event refused/,
    );
    await expect(t.db.query('TRUNCATE audit_event')).rejects.toThrow(
      /append-only: TRUNCATE on audit_event refused/,
    );
    expect(await countRows(t.db)).toBe(3);
    expect(await verifyAuditTrail(t.db, VERIFY)).toEqual({ ok: true, count: 3 });
  });

  it('lets the head move forward only', async () => {
    await expect(t.db.query('UPDATE audit_chain SET seq = 1')).rejects.toThrow(/only moves forward/);
    await expect(t.db.query('DELETE FROM audit_chain')).rejects.toThrow(/only moves forward/);
    await expect(t.db.query('TRUNCATE audit_chain')).rejects.toThrow(/append-only/);
  });
});
