/**
 * The statement timeout applies to the statements of requests only (the request pool's sessions),
 * never to background work (the background pool's); a request whose client has gone starts no
 * statement.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../test/databases.js';
import { Problem } from '../errors/problem.js';
import { type Database, openDatabase } from './database.js';
import { runInRequestScope, runOutsideRequest } from './request-scope.js';

const TIMEOUT_MS = 100;
/** Longer than the timeout, short enough to keep the suite quick. */
const SLOW = 'SELECT pg_sleep(0.3)';

const asRequest = <T>(fn: () => Promise<T>) => runInRequestScope({}, fn);

async function problemOf(promise: Promise<unknown>): Promise<Problem> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(Problem);
  return error as Problem;
}

describe.each(databaseKinds)('request scope on %s', (kind) => {
  let database: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    await database.db.close();
    // One connection, so every kind of work below shares it and the session must be switched.
    db = await openDatabase({
      databaseUrl: database.url,
      dataDir: database.dataDir,
      poolSize: 1,
      statementTimeoutMs: TIMEOUT_MS,
    });
    await db.exec('CREATE TABLE scope_test (n int)');
  });
  afterAll(async () => {
    await db.close();
    await database.dispose();
  });

  it('lets jobs, migrations and other background work run past the request timeout', async () => {
    expect((await db.query(SLOW)).rowCount).toBe(1);
    await db.transaction((tx) => tx.query(SLOW));
    await db.exec(`${SLOW}; SELECT 1`);
    // Started by a request but running for everyone (a shared flush): no request timeout either.
    await asRequest(() => runOutsideRequest(() => db.query(SLOW)));
  });

  it('starts no statement for a request whose client has gone', async () => {
    const gone = new AbortController();
    gone.abort();
    const problem = await problemOf(runInRequestScope({ signal: gone.signal }, () => db.query('SELECT 1')));
    expect(problem.status).toBe(503);
    expect(problem.message).toContain('closed the connection');
    await problemOf(
      runInRequestScope({ signal: gone.signal }, () => db.transaction((tx) => tx.query('SELECT 1'))),
    );
  });

  if (kind === 'pglite') {
    it('runs a request statement to its end (PGlite cannot interrupt one)', async () => {
      expect((await asRequest(() => db.query(SLOW))).rowCount).toBe(1);
    });
  }

  if (kind === 'postgres') {
    it('stops a request statement at the timeout with a 503 and Retry-After, never a 500', async () => {
      const problem = await problemOf(asRequest(() => db.query(SLOW)));
      expect(problem.status).toBe(503);
      expect(problem.code).toBe('SERVICE_UNAVAILABLE');
      expect(problem.headers['retry-after']).toBe('5');
      expect(problem.message).toContain(`DB_STATEMENT_TIMEOUT_MS (${TIMEOUT_MS} ms)`);
    });

    it('rolls back a request transaction stopped by the timeout', async () => {
      const problem = await problemOf(
        asRequest(() =>
          db.transaction(async (tx) => {
            await tx.query('INSERT INTO scope_test (n) VALUES (1)');
            await tx.query(SLOW);
          }),
        ),
      );
      expect(problem.status).toBe(503);
      expect((await db.query('SELECT n FROM scope_test')).rowCount).toBe(0);
    });

    it('keeps each kind of work to its own timeout whatever order they come in', async () => {
      const steps: Array<[string, () => Promise<unknown>, 'completes' | 'times out']> = [
        ['background query', () => db.query(SLOW), 'completes'],
        ['request query', () => asRequest(() => db.query(SLOW)), 'times out'],
        ['background transaction', () => db.transaction((tx) => tx.query(SLOW)), 'completes'],
        ['request transaction', () => asRequest(() => db.transaction((tx) => tx.query(SLOW))), 'times out'],
        // A request transaction stopped by its timeout rolled back; background work is unaffected.
        ['background query after a rollback', () => db.query(SLOW), 'completes'],
        ['background query again', () => db.query(SLOW), 'completes'],
        ['request transaction', () => asRequest(() => db.transaction((tx) => tx.query(SLOW))), 'times out'],
        ['request query', () => asRequest(() => db.query(SLOW)), 'times out'],
        ['background script', () => db.exec(SLOW), 'completes'],
        ['request query', () => asRequest(() => db.query('SELECT 1')), 'completes'],
        ['request query', () => asRequest(() => db.query(SLOW)), 'times out'],
      ];
      for (const [name, step, expected] of steps) {
        const outcome = await step().then(
          () => 'completes',
          (error: unknown) =>
            error instanceof Problem && error.status === 503 ? 'times out' : String(error),
        );
        expect(outcome, name).toBe(expected);
      }
    });
  }
});
