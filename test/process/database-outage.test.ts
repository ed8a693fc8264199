/**
 * The service's part of PostgreSQL availability (issue 16): a failover breaks every connection
 * the pool holds and refuses new ones for a while. The running server must, by itself and
 * without a restart:
 * - answer every request meanwhile with its result or 503 SERVICE_UNAVAILABLE with Retry-After,
 *   never a 500, never a hang, never a dropped connection;
 * - acknowledge no write that was not committed (every 2xx create is stored, once, whole; a 503
 *   create is wholly present or wholly absent);
 * - answer /readyz 503 promptly while the database is gone, also when it hangs instead of refusing;
 * - serve again once the database is back.
 * PostgreSQL only: PGlite is in-process and has no connections to lose.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/platform/database/database.js';
import { databaseKinds, postgresAdminUrl } from '../databases.js';
import { HttpFailure, type HttpResponse, httpRequest } from './http.js';
import { acknowledged, type CreateAttempt, type CreateLoad, loadFor, startCreateLoad } from './load.js';
import { createProcessDatabase, type ProcessDatabase } from './process-database.js';
import { killAll, type ServerProcess, startServer } from './server-process.js';
import { inspectStore } from './store-check.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

const SYSTEM = 'https://example.org/database-outage';
const CLIENTS = 12;
/** Long enough that a request waiting on a hung database would show up as a failure here. */
const PROMPT_MS = 8_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Everything a client saw that is neither a 2xx nor a proper 503 (an empty list is a pass). */
function improperAnswers(attempts: CreateAttempt[]): string[] {
  return attempts.flatMap((attempt) => {
    if (acknowledged(attempt)) return attempt.id ? [] : [`2xx without an id: ${attempt.body?.slice(0, 200)}`];
    if (attempt.failure) return [`${attempt.value}: no response (${attempt.failure.code})`];
    if (attempt.status !== 503) return [`${attempt.value}: ${attempt.status} ${attempt.body?.slice(0, 200)}`];
    const code = (
      JSON.parse(attempt.body ?? '{}') as { issue?: { details?: { coding?: { code?: string }[] } }[] }
    ).issue?.[0]?.details?.coding?.[0]?.code;
    return code === 'SERVICE_UNAVAILABLE' ? [] : [`${attempt.value}: 503 with code ${code}`];
  });
}

async function readyz(server: ServerProcess): Promise<HttpResponse | string> {
  try {
    return await httpRequest(server.baseUrl, { path: '/readyz', timeoutMs: PROMPT_MS });
  } catch (error) {
    if (error instanceof HttpFailure) return error.code;
    throw error;
  }
}

/** Ends every other session on the database, as a failover does. */
async function terminateBackends(url: string): Promise<number> {
  const name = new URL(url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: postgresAdminUrl });
  await admin.connect();
  try {
    const result = await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [name],
    );
    return result.rowCount ?? 0;
  } finally {
    await admin.end();
  }
}

/** Checks the store against what the clients were told: the empty list is a pass. */
async function lostOrPartial(database: ProcessDatabase, attempts: CreateAttempt[]): Promise<string[]> {
  const db = await openDatabase({ databaseUrl: database.url, dataDir: database.dataDir, poolSize: 2 });
  const store = await inspectStore(db, SYSTEM).finally(() => db.close());
  const problems = [
    ...store.currentWithoutHistory.map((row) => `current without history: ${row}`),
    ...store.historyWithoutCurrent.map((row) => `history without current: ${row}`),
    ...store.malformed.map((row) => `malformed: ${row}`),
    ...store.indexWithoutResource.map((row) => `index without resource: ${row}`),
  ];
  for (const attempt of attempts) {
    const stored = store.byValue.get(attempt.value) ?? [];
    if (acknowledged(attempt)) {
      if (stored.length !== 1 || stored[0]!.id !== attempt.id) {
        problems.push(`acknowledged ${attempt.value} stored as ${JSON.stringify(stored)}`);
      }
    } else if (stored.length > 1 || (stored.length === 1 && !stored[0]!.indexed.includes(attempt.value))) {
      problems.push(`unacknowledged ${attempt.value} left ${JSON.stringify(stored)}`);
    }
  }
  return problems;
}

describe.runIf(databaseKinds.includes('postgres'))('a PostgreSQL outage under load', () => {
  let database: ProcessDatabase;
  let proxy: TcpProxy;
  let server: ServerProcess;
  let load: CreateLoad | undefined;

  beforeAll(async () => {
    database = await createProcessDatabase('postgres', { migrated: true });
    const target = new URL(database.url!);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const viaProxy = new URL(database.url!);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    server = await startServer({ url: viaProxy.toString(), dataDir: database.dataDir });
  }, 120_000);

  afterAll(async () => {
    load?.stop();
    await load?.finished;
    await killAll();
    await proxy?.close();
    await database?.dispose();
  });

  it(
    'every connection terminated, three times under load: only 2xx or 503 with Retry-After, nothing lost, recovered without a restart',
    {
      timeout: 120_000,
    },
    async () => {
      load = startCreateLoad({ baseUrl: server.baseUrl, clients: CLIENTS, system: SYSTEM });
      await loadFor(load, { minMs: 500, target: 30, maxMs: 20_000 });
      let terminated = 0;
      for (let round = 0; round < 3; round++) {
        terminated += await terminateBackends(database.url!);
        await sleep(300);
      }
      const ackedBefore = load.attempts.filter(acknowledged).length;
      // Recovered: writes are acknowledged again by the same process.
      await loadFor(load, { minMs: 500, target: ackedBefore + 30, maxMs: 30_000 });
      load.stop();
      await load.finished;
      const attempts = load.attempts;
      load = undefined;

      expect(terminated, 'backends terminated').toBeGreaterThan(0);
      expect(improperAnswers(attempts), server.output()).toEqual([]);
      expect(attempts.filter(acknowledged).length).toBeGreaterThanOrEqual(ackedBefore + 30);
      const unavailable = attempts.filter((attempt) => attempt.status === 503);
      console.info(
        `[outage] ${terminated} backends terminated: ${attempts.length} creates, ${unavailable.length} answered 503`,
      );
      for (const attempt of unavailable) {
        expect(attempt.body).toContain('SERVICE_UNAVAILABLE');
      }
      const ready = await readyz(server);
      expect(typeof ready === 'string' ? ready : ready.status).toBe(200);
      expect(await lostOrPartial(database, attempts)).toEqual([]);
    },
  );

  it(
    'a connection lost at COMMIT: 503 with Retry-After, never a 2xx, whether or not it committed; the resend is idempotent',
    {
      timeout: 60_000,
    },
    async () => {
      const outcomes: Record<
        string,
        { status: number; retryAfter: unknown; stored: number; resend?: number }
      > = {};
      for (const when of ['before', 'after'] as const) {
        const value = `commit-cut-${when}`;
        const create = () =>
          httpRequest(server.baseUrl, {
            path: '/fhir/R4/Patient',
            body: { resourceType: 'Patient', identifier: [{ system: SYSTEM, value }] },
            headers: { 'if-none-exist': `identifier=${encodeURIComponent(`${SYSTEM}|${value}`)}` },
          });
        proxy.cutCommits(when);
        const response = await create().finally(() => proxy.up());
        const db = await openDatabase({ databaseUrl: database.url, dataDir: database.dataDir, poolSize: 1 });
        const stored = await inspectStore(db, SYSTEM).finally(() => db.close());
        // The client was told nothing was acknowledged: it sends the same create again.
        const resend = await create();
        outcomes[when] = {
          status: response.status,
          retryAfter: response.headers['retry-after'],
          stored: stored.byValue.get(value)?.length ?? 0,
          resend: resend.status,
        };
      }
      expect(outcomes).toEqual({
        // Lost before the server had it: nothing committed; the resend creates it.
        before: { status: 503, retryAfter: expect.stringMatching(/^\d+$/), stored: 0, resend: 201 },
        // Lost after: committed, yet not acknowledged; the resend finds it (If-None-Exist) and adds none.
        after: { status: 503, retryAfter: expect.stringMatching(/^\d+$/), stored: 1, resend: 200 },
      });
    },
  );

  it(
    'database gone (refusing, then hanging): 503 with Retry-After and /readyz 503 promptly; back by itself',
    {
      timeout: 120_000,
    },
    async () => {
      proxy.down();
      const during: HttpResponse[] = [];
      for (const value of ['down-1', 'down-2']) {
        during.push(
          await httpRequest(server.baseUrl, {
            path: '/fhir/R4/Patient',
            body: { resourceType: 'Patient', identifier: [{ system: SYSTEM, value }] },
            timeoutMs: PROMPT_MS + 4_000,
          }),
        );
      }
      const readyWhileDown = await readyz(server);
      proxy.blackhole();
      const readyWhileHanging = await readyz(server);
      // The way back: the hung sockets break (a new primary elsewhere), new connections work.
      proxy.down();
      proxy.up();
      let readyAgain = await readyz(server);
      for (
        let tries = 0;
        tries < 50 && (typeof readyAgain === 'string' || readyAgain.status !== 200);
        tries++
      ) {
        await sleep(200);
        readyAgain = await readyz(server);
      }
      const after = await httpRequest(server.baseUrl, {
        path: '/fhir/R4/Patient',
        body: { resourceType: 'Patient', identifier: [{ system: SYSTEM, value: 'after' }] },
      });

      expect(during.map((response) => response.status)).toEqual([503, 503]);
      for (const response of during) {
        expect(response.headers['retry-after']).toMatch(/^\d+$/);
        expect(response.body).toContain('SERVICE_UNAVAILABLE');
      }
      expect(typeof readyWhileDown === 'string' ? readyWhileDown : readyWhileDown.status).toBe(503);
      expect(typeof readyWhileHanging === 'string' ? readyWhileHanging : readyWhileHanging.status).toBe(503);
      expect(typeof readyAgain === 'string' ? readyAgain : readyAgain.status).toBe(200);
      expect(after.status).toBe(201);
      expect(await server.terminate().then((exit) => exit.code)).toBe(0);
    },
  );
});
