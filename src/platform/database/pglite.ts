import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Database, Queryable, QueryResult, Row } from './database.js';
import { lockFolder } from './folder-lock.js';
import { clientGoneProblem, currentRequestScope } from './request-scope.js';

const INT8 = 20;
const NUMERIC = 1700;

/**
 * PGlite runs each statement on the event loop's own thread: nothing can interrupt one that has
 * started, so there is no statement timeout here. What holds is that a request whose client has
 * gone starts no further statement (a search's count or includes after its page).
 */
function wrap(target: PGlite | Transaction): Queryable {
  return {
    async query<T = Row>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
      if (currentRequestScope()?.signal?.aborted) throw clientGoneProblem();
      const result = await target.query<T>(sql, params as unknown[]);
      // PGlite reports affectedRows 0 for a SELECT; pg reports the rows returned.
      return { rows: result.rows, rowCount: result.rows.length || (result.affectedRows ?? 0) };
    },
  };
}

/**
 * PGlite is one in-process connection: its own mutex queues statements, and a transaction holds
 * that mutex until it ends, so callers see the same isolation as separate pool connections.
 */
export async function openPglite(dataDir: string): Promise<Database> {
  const dir = path.join(dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  const release = lockFolder(dir);
  const db = await PGlite.create(dir, {
    parsers: { [INT8]: (value: string) => Number(value), [NUMERIC]: (value: string) => Number(value) },
  }).catch((error: unknown) => {
    release();
    throw error;
  });
  const direct = wrap(db);
  let waiting = 0;
  // PGlite's folder has one owning process, so the lock only has to order this process's callers.
  const exclusiveTails = new Map<number, Promise<unknown>>();
  return {
    kind: 'pglite',
    query: direct.query,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      waiting++;
      return db.transaction(async (tx) => {
        waiting--;
        return fn(wrap(tx));
      });
    },
    async exec(sql: string): Promise<void> {
      await db.exec(sql);
    },
    probe: direct,
    async ping(): Promise<void> {
      await db.query('SELECT 1');
    },
    poolStats: () => ({ embedded: { total: 1, idle: waiting === 0 ? 1 : 0, waiting } }),
    exclusive<T>(lockKey: number, fn: () => Promise<T>): Promise<T> {
      const run = (exclusiveTails.get(lockKey) ?? Promise.resolve()).then(fn, fn);
      exclusiveTails.set(
        lockKey,
        run.catch(() => {}),
      );
      return run;
    },
    async close() {
      try {
        await db.close();
      } finally {
        release();
      }
    },
  };
}
