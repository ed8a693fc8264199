/**
 * docs/api.md §1: "SIGTERM: stop accepting, drain in-flight requests and jobs, exit 0
 * within 10 s" (what a rolling restart relies on). What is asserted about each request:
 * - a request the server had begun reading before SIGTERM (held open mid-body) completes 2xx;
 * - every response that began arrives whole, and is a 2xx or a 503 (closing) — never another
 *   status, never cut off mid-way;
 * - a request that got no response at all failed at the connection (refused, or reset before any
 *   byte: its connection was still in the listen backlog when the listener closed);
 * - after exit every 2xx write is stored once, no 503 write is stored, and a write that got no
 *   response is wholly absent or wholly present;
 * - once SIGTERM is handled a new connection is refused, while in-flight requests still run.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/platform/database/database.js';
import { databaseKinds } from '../databases.js';
import { HttpFailure, httpRequest, openSlowRequest, type PendingRequest } from './http.js';
import { acknowledged, loadFor, patientWith, startCreateLoad } from './load.js';
import { createProcessDatabase, type ProcessDatabase } from './process-database.js';
import { killAll, type ServerProcess, startServer } from './server-process.js';
import { inspectStore } from './store-check.js';

const SYSTEM = 'https://example.org/shutdown';
const CLIENTS = 50;
/** Failures of a request that was never served: refused, or its unaccepted connection reset. */
const CONNECTION_LEVEL = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function slowCreates(server: ServerProcess, values: string[]): { value: string; request: PendingRequest }[] {
  return values.map((value) => ({
    value,
    request: openSlowRequest(server.baseUrl, { path: '/fhir/R4/Patient', body: patientWith(SYSTEM, value) }),
  }));
}

/** Resolves with the failure code of a new connection, or the status when one was answered. */
async function tryNewConnection(server: ServerProcess): Promise<string> {
  try {
    return `answered ${(await httpRequest(server.baseUrl, { path: '/healthz', timeoutMs: 2_000 })).status}`;
  } catch (error) {
    if (error instanceof HttpFailure) return error.code;
    throw error;
  }
}

async function freshServer(
  kind: ProcessDatabase['kind'],
): Promise<{ database: ProcessDatabase; server: ServerProcess }> {
  const database = await createProcessDatabase(kind, { migrated: true });
  return { database, server: await startServer(database) };
}

describe.each(databaseKinds)('SIGTERM on %s', (kind) => {
  let database: ProcessDatabase | undefined;

  afterEach(async () => {
    await killAll();
    await database?.dispose();
    database = undefined;
  });

  it(
    'refuses new connections, drains the requests in flight and exits 0 within 10 s, losing no acknowledged write',
    {
      timeout: 120_000,
    },
    async () => {
      const { database: test, server } = await freshServer(kind);
      database = test;
      // Opened while the server is idle so it surely reads their headers: in flight at SIGTERM. (Opened
      // under load they could still sit unread in the backlog, and get a 503 at close instead.)
      const held = slowCreates(server, ['held-1', 'held-2', 'held-3']);
      await sleep(300);
      const load = startCreateLoad({ baseUrl: server.baseUrl, clients: CLIENTS, system: SYSTEM });
      await loadFor(load, { minMs: 1_000, target: 100, maxMs: 10_000 });

      let exited = false;
      void server.exited.then(() => {
        exited = true;
      });
      const termAt = performance.now();
      server.signal('SIGTERM');
      // Stop accepting: a new connection is refused (not queued, not answered) while the held
      // requests keep the process alive.
      let connection = await tryNewConnection(server);
      for (let tries = 0; connection !== 'ECONNREFUSED' && tries < 40; tries++) {
        await sleep(50);
        connection = await tryNewConnection(server);
      }
      expect(connection, 'a new connection within 2 s of SIGTERM').toBe('ECONNREFUSED');
      expect(exited, 'the process is still draining the held requests').toBe(false);
      for (const { request } of held) request.finish();
      const heldAnswers = await Promise.all(held.map(({ request }) => request.response));
      const exit = await server.exited;
      load.stop();
      await load.finished;

      expect(exit.code, server.output()).toBe(0);
      expect(exit.at - termAt, 'ms from SIGTERM to exit').toBeLessThan(10_000);
      expect(heldAnswers.map((answer) => answer.status)).toEqual([201, 201, 201]);

      const attempts = load.attempts;
      const acked = attempts.filter(acknowledged);
      const closing = attempts.filter((attempt) => attempt.status === 503);
      const otherStatus = attempts.filter(
        (a) => a.status !== undefined && !acknowledged(a) && a.status !== 503,
      );
      const unanswered = attempts.filter((attempt) => attempt.failure);
      console.info(
        `[${kind}] ${attempts.length} creates: ${acked.length} 2xx, ${closing.length} 503, ${unanswered.length} without response (${[...new Set(unanswered.map((a) => a.failure?.code))].join(', ')}); exit after ${Math.round(exit.at - termAt)} ms; a 503 body: ${closing[0]?.body ?? '(none)'}`,
      );
      expect(acked.length, 'writes acknowledged before SIGTERM').toBeGreaterThanOrEqual(100);
      expect(otherStatus.map((a) => `${a.status} ${a.body?.slice(0, 200)}`)).toEqual([]);
      // A drain-time 503 is an OperationOutcome like every other error (docs/api.md §2).
      for (const attempt of closing) {
        expect(JSON.parse(attempt.body ?? '{}').issue?.[0]?.details?.coding?.[0]?.code).toBe(
          'SERVICE_UNAVAILABLE',
        );
      }
      const badFailures = unanswered.filter(
        (a) => a.failure?.responseStarted || !CONNECTION_LEVEL.has(a.failure?.code ?? ''),
      );
      expect(badFailures.map((a) => a.failure)).toEqual([]);
      // Every client ran until the server went away: the listener did close.
      expect(unanswered.filter((a) => a.failure?.code === 'ECONNREFUSED').length).toBeGreaterThan(0);

      const db = await openDatabase({ databaseUrl: test.url, dataDir: test.dataDir, poolSize: 2 });
      const store = await inspectStore(db, SYSTEM).finally(() => db.close());
      expect(store.currentWithoutHistory).toEqual([]);
      expect(store.historyWithoutCurrent).toEqual([]);
      expect(store.malformed).toEqual([]);
      const problems: string[] = [];
      const heldAcked = held.map(({ value }, index) => ({
        value,
        id: JSON.parse(heldAnswers[index]!.body).id,
      }));
      for (const { value, id } of [...acked, ...heldAcked]) {
        const stored = store.byValue.get(value) ?? [];
        if (stored.length !== 1 || stored[0]?.id !== id)
          problems.push(`2xx ${value} (${id}) stored as ${JSON.stringify(stored)}`);
      }
      for (const { value } of closing) {
        if (store.byValue.has(value)) problems.push(`503 ${value} was stored anyway`);
      }
      for (const { value } of unanswered) {
        const stored = store.byValue.get(value) ?? [];
        if (stored.length > 1 || (stored[0] && !stored[0].indexed.includes(value))) {
          problems.push(`unanswered ${value} left ${JSON.stringify(stored)}`);
        }
      }
      expect(problems).toEqual([]);
    },
  );
});
