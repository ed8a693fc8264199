/**
 * Request statements and background work on PostgreSQL, watched at the wire (a counting proxy
 * between the driver and the server, bench/harness/pg-wire.ts): however the two kinds of work
 * interleave, no statement switches a session's statement timeout (each pool's sessions open with
 * their own), and still a request statement stops at the timeout while background work runs on.
 * Background sessions plan every execution (force_custom_plan); request sessions keep the
 * server's plan_cache_mode (postgres.ts says why).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgWireCounter } from '../../../bench/harness/pg-wire.js';
import { createTestDatabase, postgresAdminUrl, type TestDatabase } from '../../../test/databases.js';
import { waitFor } from '../../../test/support/platform/wait.js';
import { Problem } from '../errors/problem.js';
import { type Database, openDatabase } from './database.js';
import { runInRequestScope, runOutsideRequest } from './request-scope.js';

const TIMEOUT_MS = 100;
/** Longer than the timeout, short enough to keep the suite quick. */
const SLOW = 'SELECT pg_sleep(0.3)';
/** Any statement that changes a session's statement timeout, alone or riding on a BEGIN. */
const SWITCH = /\bSET\s+(SESSION\s+|LOCAL\s+)?statement_timeout\b/i;

const asRequest = <T>(fn: () => Promise<T>) => runInRequestScope({}, fn);
const outcome = (work: Promise<unknown>) =>
  work.then(
    () => 'completes',
    (error: unknown) => (error instanceof Problem && error.status === 503 ? 'times out' : String(error)),
  );
const tcp = postgresAdminUrl !== undefined && /^[\d.]+$|^localhost$/.test(new URL(postgresAdminUrl).hostname);

describe.runIf(tcp)('the request pool and the background pool on PostgreSQL', () => {
  let database: TestDatabase;
  let wire: PgWireCounter;
  let db: Database;

  beforeAll(async () => {
    database = await createTestDatabase('postgres', { migrate: false });
    const target = new URL(database.url!);
    wire = new PgWireCounter(target.hostname, Number(target.port || 5432));
    const proxied = new URL(database.url!);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(await wire.listen());
    // One request connection: before the pools were split, every change of kind switched it.
    db = await openDatabase({
      databaseUrl: proxied.toString(),
      dataDir: database.dataDir,
      poolSize: 1,
      backgroundPoolSize: 2,
      statementTimeoutMs: TIMEOUT_MS,
    });
  });
  afterAll(async () => {
    await db?.close();
    await wire?.close();
    await database?.dispose();
  });

  it('sends no SET statement_timeout however the two kinds interleave, and each keeps its timeout', async () => {
    const steps: Array<[string, () => Promise<unknown>, 'completes' | 'times out']> = [
      ['background query', () => db.query(SLOW), 'completes'],
      ['request query', () => asRequest(() => db.query(SLOW)), 'times out'],
      ['background transaction', () => db.transaction((tx) => tx.query(SLOW)), 'completes'],
      ['request transaction', () => asRequest(() => db.transaction((tx) => tx.query(SLOW))), 'times out'],
      ['background script', () => db.exec(`${SLOW}; SELECT 1`), 'completes'],
      ['request query', () => asRequest(() => db.query('SELECT $1::int AS n', [1])), 'completes'],
      [
        'flush started by a request',
        () => asRequest(() => runOutsideRequest(() => db.query(SLOW))),
        'completes',
      ],
      ['request query', () => asRequest(() => db.query(SLOW)), 'times out'],
    ];
    for (const [name, step, expected] of steps) expect(await outcome(step()), name).toBe(expected);

    // Both kinds at once, as under load: requests queue for their one connection meanwhile.
    const together = await Promise.all([
      ...Array.from({ length: 3 }, () => outcome(db.query(SLOW))),
      ...Array.from({ length: 3 }, () => outcome(asRequest(() => db.query(SLOW)))),
      ...Array.from({ length: 3 }, () => outcome(asRequest(() => db.query('SELECT $1::int AS n', [2])))),
    ]);
    expect(together).toEqual([
      ...Array(3).fill('completes'),
      ...Array(3).fill('times out'),
      ...Array(3).fill('completes'),
    ]);

    const statements = [...wire.snapshot().byStatement.keys()];
    // The proxy saw the work (so it would have seen a switch)...
    expect(statements).toContain(SLOW);
    // ...and no statement that switched a session.
    expect(statements.filter((statement) => SWITCH.test(statement))).toEqual([]);
  });

  it("opens each pool with its own settings; requests keep the server's plan_cache_mode", async () => {
    const settings = `SELECT current_setting('statement_timeout') AS timeout, current_setting('plan_cache_mode') AS plans`;
    const server = new pg.Client({ connectionString: database.url });
    await server.connect();
    const serverPlans = (await server.query(settings).finally(() => server.end())).rows[0].plans as string;
    expect((await asRequest(() => db.query(settings))).rows).toEqual([
      { timeout: `${TIMEOUT_MS}ms`, plans: serverPlans },
    ]);
    expect((await db.query(settings)).rows).toEqual([{ timeout: '0', plans: 'force_custom_plan' }]);
  });

  it('reports each pool apart, so requests waiting for a connection show as such', async () => {
    const stats = db.poolStats();
    expect(Object.keys(stats).sort()).toEqual(['background', 'request']);
    expect(stats.request!.total).toBeLessThanOrEqual(1);
    expect(stats.background!.total).toBeLessThanOrEqual(2);
    // Hold the one request connection; a second request statement waits for it in the request pool.
    let release!: () => void;
    const held = asRequest(() =>
      db.transaction(async (tx) => {
        await tx.query('SELECT 1');
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      }),
    );
    await waitFor(() => db.poolStats().request!.idle === 0 && release !== undefined, 'the held connection');
    const queued = asRequest(() => db.query('SELECT 1'));
    await waitFor(() => db.poolStats().request!.waiting === 1, 'a request waiting');
    expect(db.poolStats().background!.waiting).toBe(0);
    release();
    await Promise.all([held, queued]);
    expect(db.poolStats().request!.waiting).toBe(0);
  });
});
