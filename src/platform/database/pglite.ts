import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Database, Queryable, QueryResult, Row } from './database.js';

const INT8 = 20;
const NUMERIC = 1700;

function wrap(target: PGlite | Transaction): Queryable {
  return {
    async query<T = Row>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
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
  const db = await PGlite.create(dir, {
    parsers: { [INT8]: (value: string) => Number(value), [NUMERIC]: (value: string) => Number(value) },
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
    async ping(): Promise<void> {
      await db.query('SELECT 1');
    },
    poolStats: () => ({ total: 1, idle: waiting === 0 ? 1 : 0, waiting }),
    exclusive<T>(lockKey: number, fn: () => Promise<T>): Promise<T> {
      const run = (exclusiveTails.get(lockKey) ?? Promise.resolve()).then(fn, fn);
      exclusiveTails.set(
        lockKey,
        run.catch(() => {}),
      );
      return run;
    },
    close: () => db.close(),
  };
}
