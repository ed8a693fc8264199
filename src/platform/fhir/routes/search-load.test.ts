/**
 * One request cannot hold the database (on PostgreSQL; the search limits, which hold on both
 * databases, are tested over HTTP in patient-search-isolation.test.ts): a request's statement
 * stops at DB_STATEMENT_TIMEOUT_MS with a 503, a search whose client has gone is cancelled in the
 * server, and readiness answers while the pool is busy. A table lock held by the test makes a
 * search wait for as long as the test wants.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../../test/app.js';
import { databaseKinds } from '../../../../test/databases.js';

const SEARCH = 'SELECT r.id, r.content FROM fhir_resource r%';

/** A second connection holding an exclusive lock on fhir_resource until released. */
async function lockResources(url: string): Promise<{ release(): Promise<void>; client: pg.Client }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE fhir_resource IN ACCESS EXCLUSIVE MODE');
  return {
    client,
    async release() {
      await client.query('ROLLBACK');
      await client.end();
    },
  };
}

/** Searches of the app's pool waiting on the lock, as the server sees them. */
async function waitingSearches(observer: pg.Client): Promise<number> {
  const result = await observer.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE datname = current_database() AND state = 'active' AND wait_event_type = 'Lock' AND query LIKE $1`,
    [SEARCH],
  );
  return result.rows[0]?.n ?? 0;
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 400; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`gave up waiting: ${what}`);
}

describe.each(databaseKinds.filter((kind) => kind === 'postgres'))('a held database on %s', (kind) => {
  describe('with a short statement timeout', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(kind, { DB_STATEMENT_TIMEOUT_MS: '300' });
    });
    afterAll(() => t.close());

    it('stops a search at DB_STATEMENT_TIMEOUT_MS with a 503 OperationOutcome and Retry-After', async () => {
      const staff = await t.bearer({ roles: ['clinician'], org: 'RXX01' });
      const lock = await lockResources(t.database.url!);
      try {
        const response = await t.pathways.app.inject({
          method: 'GET',
          url: '/fhir/R4/Patient?family=Smith',
          headers: { authorization: staff },
        });
        expect(response.statusCode).toBe(503);
        expect(response.headers['retry-after']).toBe('5');
        const issue = response.json().issue[0];
        expect(issue.details.coding[0].code).toBe('SERVICE_UNAVAILABLE');
        expect(issue.diagnostics).toContain('DB_STATEMENT_TIMEOUT_MS (300 ms)');
      } finally {
        await lock.release();
      }
      const after = await t.pathways.app.inject({
        method: 'GET',
        url: '/fhir/R4/Patient?family=Smith',
        headers: { authorization: staff },
      });
      expect(after.statusCode).toBe(200);
    });
  });

  describe('with one pool connection and a long statement timeout', () => {
    let t: TestApp;
    let port: number;
    let observer: pg.Client;
    beforeAll(async () => {
      t = await startTestApp(kind, { DB_STATEMENT_TIMEOUT_MS: '60000', DB_POOL_SIZE: '1' });
      await t.pathways.app.listen({ port: 0, host: '127.0.0.1' });
      port = (t.pathways.app.server.address() as AddressInfo).port;
      observer = new pg.Client({ connectionString: t.database.url! });
      await observer.connect();
    });
    afterAll(async () => {
      await observer.end();
      await t.close();
    });

    it('stays ready while the pool is busy, and cancels a search whose client has gone', async () => {
      const staff = await t.bearer({ roles: ['clinician'], org: 'RXX01' });
      const lock = await lockResources(t.database.url!);
      try {
        const search = http.get({
          host: '127.0.0.1',
          port,
          path: '/fhir/R4/Patient?family=Smith',
          headers: { authorization: staff },
        });
        search.on('error', () => {});
        await until(async () => (await waitingSearches(observer)) === 1, 'the search to wait on the lock');

        // The only pool connection is held by the search: readiness asks on its own.
        const ready = await t.pathways.app.inject({ method: 'GET', url: '/readyz' });
        expect(ready.json()).toEqual({ status: 'ready' });
        expect(ready.statusCode).toBe(200);

        // The client leaves; the server stops the statement although the lock is still held.
        search.destroy();
        await until(async () => (await waitingSearches(observer)) === 0, 'the search to be cancelled');
        expect(await waitingSearches(observer)).toBe(0);
      } finally {
        await lock.release();
      }
      const after = await t.pathways.app.inject({
        method: 'GET',
        url: '/fhir/R4/Patient?family=Smith',
        headers: { authorization: staff },
      });
      expect(after.statusCode).toBe(200);
    });
  });
});
