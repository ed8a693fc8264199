/**
 * HAZ-LOST-WRITE / "kill -9 under load loses 0 acknowledged writes" (PRODUCT.md): the real server
 * takes concurrent creates, is SIGKILLed mid-load, and is restarted on the same database. Every
 * create that was answered 2xx must be there exactly once; every create that was not answered
 * must be wholly absent or wholly present (current row, history row, search index), never partial.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/platform/database/database.js';
import { databaseKinds } from '../databases.js';
import { httpRequest } from './http.js';
import { acknowledged, type CreateAttempt, forEachLimited, loadFor, startCreateLoad } from './load.js';
import { createProcessDatabase, type ProcessDatabase } from './process-database.js';
import { killAll, type ServerProcess, startServer } from './server-process.js';
import { inspectStore } from './store-check.js';

const SYSTEM = 'https://example.org/durability';
const CLIENTS = 24;
/** The kill comes after at least LOAD_MS and TARGET_ACKED acknowledged writes, or at MAX_LOAD_MS. */
const LOAD_MS = 1_500;
const TARGET_ACKED = 200;
const MAX_LOAD_MS = 15_000;
/** Fewer acknowledged writes than this and the kill did not happen "under load". */
const MIN_ACKED = 100;

/** Logs how long each phase took: the run time of this test is dominated by the machine's load. */
function phases(kind: string): (name: string) => void {
  let last = performance.now();
  return (name) => {
    const now = performance.now();
    console.info(`[${kind}] ${name}: ${Math.round(now - last)} ms`);
    last = now;
  };
}

interface Found {
  /** Ids the identifier search returned, or the status when it failed. */
  ids: string[] | number;
}

async function searchByIdentifier(server: ServerProcess, value: string): Promise<Found> {
  const query = encodeURIComponent(`${SYSTEM}|${value}`);
  const response = await httpRequest(server.baseUrl, { path: `/fhir/R4/Patient?identifier=${query}` });
  if (response.status !== 200) return { ids: response.status };
  const bundle = JSON.parse(response.body) as { entry?: { resource?: { id?: string } }[] };
  return { ids: (bundle.entry ?? []).map((entry) => entry.resource?.id ?? '(no id)') };
}

/** What the restarted server says about each acknowledged write; an empty list is a pass. */
async function checkAcknowledgedOverHttp(server: ServerProcess, acked: CreateAttempt[]): Promise<string[]> {
  const problems: string[] = [];
  await forEachLimited(acked, 16, async (attempt) => {
    const read = await httpRequest(server.baseUrl, { path: `/fhir/R4/Patient/${attempt.id}` });
    const identifier =
      read.status === 200 ? (JSON.parse(read.body) as { identifier?: { value?: string }[] }).identifier : [];
    if (read.status !== 200 || identifier?.[0]?.value !== attempt.value) {
      problems.push(
        `${attempt.value}: GET Patient/${attempt.id} answered ${read.status} ${read.body.slice(0, 120)}`,
      );
    }
    const found = await searchByIdentifier(server, attempt.value);
    if (typeof found.ids === 'number' || found.ids.length !== 1 || found.ids[0] !== attempt.id) {
      problems.push(
        `${attempt.value}: identifier search found ${JSON.stringify(found.ids)}, expected [${attempt.id}]`,
      );
    }
  });
  return problems;
}

describe.each(databaseKinds)('SIGKILL under load on %s', (kind) => {
  let database: ProcessDatabase | undefined;

  afterEach(async () => {
    await killAll();
    await database?.dispose();
    database = undefined;
  });

  it(
    'keeps every acknowledged create exactly once and leaves no partial one',
    {
      timeout: 240_000,
    },
    async () => {
      const test = await createProcessDatabase(kind, { migrated: true });
      database = test;

      const phase = phases(kind);
      const first = await startServer(test);
      phase('first start');
      const load = startCreateLoad({ baseUrl: first.baseUrl, clients: CLIENTS, system: SYSTEM });
      const loadMs = await loadFor(load, { minMs: LOAD_MS, target: TARGET_ACKED, maxMs: MAX_LOAD_MS });
      const killed = await first.kill();
      load.stop();
      await load.finished;
      expect(killed.signal).toBe('SIGKILL');

      const acked = load.attempts.filter(acknowledged);
      const unanswered = load.attempts.filter((attempt) => attempt.status === undefined);
      const refused = load.attempts.filter(
        (attempt) => attempt.status !== undefined && !acknowledged(attempt),
      );
      console.info(
        `[${kind}] ${load.attempts.length} creates in ${loadMs} ms: ${acked.length} acknowledged, ${unanswered.length} unanswered at the kill, ${refused.length} refused`,
      );
      expect(acked.length, 'writes acknowledged before the kill').toBeGreaterThanOrEqual(MIN_ACKED);
      // The server was healthy until the kill: any non-2xx answer is a fault of its own.
      expect(refused.map((attempt) => `${attempt.status} ${attempt.body?.slice(0, 200)}`)).toEqual([]);
      expect(acked.filter((attempt) => !attempt.id).map((attempt) => attempt.body)).toEqual([]);

      // Restart on the same database: recovery must succeed and serve every acknowledged write.
      const second = await startServer(test);
      phase('restart after the kill');
      expect(await checkAcknowledgedOverHttp(second, acked)).toEqual([]);
      phase('reads and searches of acknowledged writes');
      const unansweredFound = new Map<string, Found>();
      await forEachLimited(unanswered, 8, async (attempt) => {
        unansweredFound.set(attempt.value, await searchByIdentifier(second, attempt.value));
      });
      const stopped = await second.terminate();
      phase('SIGTERM to exit');
      expect(stopped.code, second.output()).toBe(0);

      // With the server gone, the tables themselves: nothing half-written anywhere.
      const db = await openDatabase({ databaseUrl: test.url, dataDir: test.dataDir, poolSize: 2 });
      const store = await inspectStore(db, SYSTEM).finally(() => db.close());
      phase('direct inspection of the tables');
      expect(store.currentWithoutHistory, 'current rows without their history row').toEqual([]);
      expect(store.historyWithoutCurrent, 'history rows without their current row').toEqual([]);
      expect(store.malformed, 'current rows that are not valid Patient JSON').toEqual([]);
      expect(store.indexWithoutResource, 'search index rows for missing resources').toEqual([]);

      const problems: string[] = [];
      for (const attempt of acked) {
        const stored = store.byValue.get(attempt.value) ?? [];
        const only = stored.length === 1 ? stored[0] : undefined;
        if (!only || only.id !== attempt.id || only.versionId !== 1) {
          problems.push(`acknowledged ${attempt.value} (${attempt.id}) stored as ${JSON.stringify(stored)}`);
        } else if (!only.indexed.includes(attempt.value)) {
          problems.push(`acknowledged ${attempt.value} (${attempt.id}) is not in the search index`);
        }
      }
      for (const attempt of unanswered) {
        const stored = store.byValue.get(attempt.value) ?? [];
        const found = unansweredFound.get(attempt.value)?.ids;
        const complete =
          stored.length === 1 &&
          stored[0]?.versionId === 1 &&
          stored[0].indexed.includes(attempt.value) &&
          JSON.stringify(found) === JSON.stringify([stored[0].id]);
        const absent = stored.length === 0 && JSON.stringify(found) === '[]';
        if (!complete && !absent) {
          problems.push(
            `unanswered ${attempt.value} left ${JSON.stringify(stored)}, search found ${JSON.stringify(found)}`,
          );
        }
      }
      const committedUnanswered = unanswered.filter((attempt) => store.byValue.has(attempt.value)).length;
      console.info(
        `[${kind}] of the ${unanswered.length} unanswered creates, ${committedUnanswered} had committed whole`,
      );
      const attempted = new Set(load.attempts.map((attempt) => attempt.value));
      for (const value of store.byValue.keys()) {
        if (!attempted.has(value)) problems.push(`stored ${value} was never sent`);
      }
      expect(problems).toEqual([]);
    },
  );
});
