import pg from 'pg';
import type { Database, Queryable, QueryResult, Row } from './database.js';
import { DatabaseUnavailableError, isConnectionError } from './unavailable.js';

const INT8 = 20;
const NUMERIC = 1700;

/** bigint columns hold counters and versions well inside 2^53; numbers are easier everywhere. */
const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === INT8 || oid === NUMERIC) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

/** Connection failures become DatabaseUnavailableError (503 at the edge); anything else is kept. */
function translate(error: unknown, outcomeUnknown = false): unknown {
  if (error instanceof DatabaseUnavailableError || !isConnectionError(error)) return error;
  return new DatabaseUnavailableError(error, outcomeUnknown);
}

function wrap(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<T = Row>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
      try {
        const result = await client.query(sql, params as unknown[]);
        return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
      } catch (error) {
        throw translate(error);
      }
    },
  };
}

export async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    types,
    // Also bounds the wait for a free pooled connection: a request never hangs on the pool.
    connectionTimeoutMillis: 10_000,
    // A primary that vanished without closing its sockets (host lost, network cut) is noticed.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  // An idle client that loses its server must not crash the process; the pool drops it and the
  // next query opens a new connection (to whichever server DATABASE_URL then reaches).
  pool.on('error', () => {});
  const direct = wrap(pool);

  // The pool listens for errors only on idle clients. One that is checked out (a transaction
  // doing work between statements, or just handed over) when its server goes away would emit an
  // unhandled 'error' and crash the process; with this its next statement fails instead, and the
  // pool discards it on release.
  pool.on('connect', (client) => client.on('error', () => {}));

  async function connect(): Promise<pg.PoolClient> {
    try {
      return await pool.connect();
    } catch (error) {
      throw translate(error);
    }
  }

  /** A pooled client in a transaction. */
  async function begin(): Promise<pg.PoolClient> {
    const client = await connect();
    try {
      await client.query('BEGIN');
      return client;
    } catch (error) {
      client.release(true);
      if (!isConnectionError(error)) throw error;
    }
    // A pooled connection whose server went away (failover, restart) is found out at its first
    // statement. BEGIN changes nothing, so starting again on a fresh connection is safe.
    const fresh = await connect();
    try {
      await fresh.query('BEGIN');
      return fresh;
    } catch (error) {
      fresh.release(true);
      throw translate(error);
    }
  }

  let pinging: Promise<void> | undefined;
  const checkPrimary = async () => {
    const result = await direct.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
    if (result.rows[0]?.standby) {
      throw new DatabaseUnavailableError(new Error('connected to a standby (read-only), not the primary'));
    }
  };

  return {
    kind: 'postgres',
    query: direct.query,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await begin();
      let result: T;
      try {
        result = await fn(wrap(client));
      } catch (error) {
        const rolledBack = await client.query('ROLLBACK').then(
          () => true,
          () => false,
        );
        // A connection that cannot even roll back is broken: destroy it rather than pool it.
        client.release(!rolledBack);
        throw translate(error);
      }
      let committed: pg.QueryResult;
      try {
        committed = await client.query('COMMIT');
      } catch (error) {
        client.release(true);
        // Lost at COMMIT: it may have committed or not. Never report success.
        throw translate(error, true);
      }
      client.release();
      // An aborted transaction (a failed statement whose error `fn` swallowed) "commits" as a
      // ROLLBACK without an error: its writes are gone and must not be acknowledged.
      if (committed.command !== 'COMMIT') {
        throw new Error(
          `transaction ended in ${committed.command} instead of COMMIT (a statement in it failed)`,
        );
      }
      return result;
    },
    async exec(sql: string): Promise<void> {
      await direct.query(sql);
    },
    ping(timeoutMs = 2_000): Promise<void> {
      // One check in flight at a time: probes arriving while the server hangs do not pile up.
      pinging ??= checkPrimary().finally(() => {
        pinging = undefined;
      });
      return withTimeout(pinging, timeoutMs);
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    exclusive: (lockKey, fn) => withSessionLock(url, lockKey, fn),
    close: () => pool.end(),
  };
}

function withTimeout(check: Promise<void>, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new DatabaseUnavailableError(new Error(`no answer within ${timeoutMs} ms`))),
      timeoutMs,
    );
    check.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(translate(error));
      },
    );
  });
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
