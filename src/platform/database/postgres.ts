import pg from 'pg';
import type { Database, Queryable, QueryResult, Row } from './database.js';

const INT8 = 20;
const NUMERIC = 1700;

/** bigint columns hold counters and versions well inside 2^53; numbers are easier everywhere. */
const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === INT8 || oid === NUMERIC) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

function wrap(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<T = Row>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
      const result = await client.query(sql, params as unknown[]);
      return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
    },
  };
}

export async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types, connectionTimeoutMillis: 10_000 });
  // An idle client that loses its server must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const direct = wrap(pool);
  return {
    kind: 'postgres',
    query: direct.query,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    async exec(sql: string): Promise<void> {
      await pool.query(sql);
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    exclusive: (lockKey, fn) => withSessionLock(url, lockKey, fn),
    close: () => pool.end(),
  };
}

/**
 * Holds a session advisory lock on a connection outside the pool while `fn` runs on the pool, so
 * a pool of one connection still works, and `fn`'s own transactions start after the lock is held
 * (a backend waiting for an advisory lock inside a transaction does not see the catalog changes
 * committed meanwhile: `CREATE SCHEMA IF NOT EXISTS` after such a wait can still collide).
 */
async function withSessionLock<T>(url: string, lockKey: number, fn: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  await client.connect();
  try {
    // A server-wide statement_timeout must not cut the wait short: the holder may be migrating.
    await client.query('SET statement_timeout = 0');
    await client.query('SELECT pg_advisory_lock($1)', [lockKey]);
    try {
      return await fn();
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [lockKey]).catch(() => {});
    }
  } finally {
    // Ending the session releases the lock even when the unlock could not be sent.
    await client.end().catch(() => {});
  }
}
