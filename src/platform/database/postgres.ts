/**
 * The PostgreSQL driver: one `pg` pool, plus a one-connection pool for readiness probes.
 *
 * - Statements of an HTTP request (request-scope.ts) run with the statement timeout, everything
 *   else without: connections open with the request timeout (a startup parameter, free), and a
 *   connection's session is switched only when the other kind of work gets it — on a transaction
 *   the switch rides on its BEGIN, so it costs a round trip only to a single statement that lands
 *   on a connection last used by the other kind. A request whose client goes away has its running
 *   statement cancelled (pg-cancel.ts) and its connection closed.
 * - A lost, refused or timed-out connection becomes DatabaseUnavailableError (503 at the edge); a
 *   write lost at COMMIT is never reported as committed; a pooled connection whose server went
 *   away (failover) is replaced at BEGIN; the pool reconnects by itself.
 */
import pg from 'pg';
import type { Database, Queryable, QueryResult, Row } from './database.js';
import { listenOn } from './listen.js';
import { type CancelTarget, sendCancelRequest } from './pg-cancel.js';
import { DEFAULT_PREPARED_PER_CONNECTION, PreparedStatements } from './prepared.js';
import {
  clientGoneProblem,
  currentRequestScope,
  isQueryCancelled,
  type RequestScope,
  statementTimeoutProblem,
} from './request-scope.js';
import { DatabaseUnavailableError, isConnectionError } from './unavailable.js';

const INT8 = 20;
const NUMERIC = 1700;
/** Readiness has its own connection and answers (or fails) within this. */
const PROBE_TIMEOUT_MS = 2_000;
/** A session whose statement_timeout is not known (a change that a rollback may have undone). */
const UNKNOWN = -1;

/** bigint columns hold counters and versions well inside 2^53; numbers are easier everywhere. */
const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === INT8 || oid === NUMERIC) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

export interface PostgresOptions {
  poolSize: number;
  /** Statement timeout of request statements; 0 = none. */
  statementTimeoutMs: number;
  /** Named statements kept per connection (prepared.ts); 0 = none (every statement unnamed). */
  preparedPerConnection?: number;
}

interface BackendKey {
  processID: number;
  secretKey: number;
}

/** Connection failures become DatabaseUnavailableError (503 at the edge); anything else is kept. */
function translate(error: unknown, outcomeUnknown = false): unknown {
  if (error instanceof DatabaseUnavailableError || !isConnectionError(error)) return error;
  return new DatabaseUnavailableError(error, outcomeUnknown);
}

function quietOnError(pool: pg.Pool): void {
  // An idle client that loses its server must not crash the process; the pool drops it and the
  // next query opens a new connection (to whichever server DATABASE_URL then reaches).
  pool.on('error', () => {});
  // The pool listens for errors only on idle clients. One that is checked out when its server
  // goes away would emit an unhandled 'error' and crash the process; with this its next
  // statement fails instead, and the pool discards it on release.
  pool.on('connect', (client) => client.on('error', () => {}));
}

export async function openPostgres(url: string, options: PostgresOptions): Promise<Database> {
  const requestTimeout = options.statementTimeoutMs;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize,
    types,
    // Also bounds the wait for a free pooled connection: a request never hangs on the pool.
    connectionTimeoutMillis: 10_000,
    // A primary that vanished without closing its sockets (host lost, network cut) is noticed.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    ...(requestTimeout > 0 ? { statement_timeout: requestTimeout } : {}),
  });
  quietOnError(pool);
  // Readiness asks on its own connection, so a pool busy with long requests is not "unreachable".
  const probePool = new pg.Pool({
    connectionString: url,
    max: 1,
    types,
    connectionTimeoutMillis: PROBE_TIMEOUT_MS,
    statement_timeout: PROBE_TIMEOUT_MS,
    keepAlive: true,
  });
  quietOnError(probePool);
  const cancelTarget = cancelTargetOf(url);
  const prepared = new PreparedStatements(options.preparedPerConnection ?? DEFAULT_PREPARED_PER_CONNECTION);
  const sessionTimeout = new WeakMap<pg.PoolClient, number>();
  const cancelled = new WeakSet<pg.PoolClient>();
  const wanted = (scope: RequestScope | undefined) => (scope ? requestTimeout : 0);

  async function checkout(scope: RequestScope | undefined): Promise<pg.PoolClient> {
    if (scope?.signal?.aborted) throw clientGoneProblem();
    try {
      return await pool.connect();
    } catch (error) {
      throw translate(error);
    }
  }

  /** A connection a cancel was sent on is closed: a late cancel must not hit its next statement. */
  function release(client: pg.PoolClient, broken = false): void {
    client.release(broken || cancelled.has(client) ? true : undefined);
  }

  async function setSessionTimeout(client: pg.PoolClient, timeoutMs: number): Promise<void> {
    if ((sessionTimeout.get(client) ?? requestTimeout) === timeoutMs) return;
    try {
      await client.query(`SET statement_timeout = ${timeoutMs}`);
    } catch (error) {
      throw translate(error);
    }
    sessionTimeout.set(client, timeoutMs);
  }

  async function run<T>(
    client: pg.PoolClient,
    scope: RequestScope | undefined,
    sql: string,
    params?: unknown[],
  ): Promise<QueryResult<T>> {
    const signal = scope?.signal;
    if (signal?.aborted) throw clientGoneProblem();
    const onAbort = () => {
      cancelled.add(client);
      const key = client as unknown as BackendKey;
      void sendCancelRequest(cancelTarget, key.processID, key.secretKey);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const result = await prepared.query(client, sql, params);
      return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
    } catch (error) {
      if (scope && isQueryCancelled(error)) {
        throw signal?.aborted ? clientGoneProblem() : statementTimeoutProblem(requestTimeout);
      }
      throw translate(error);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** A pooled client in a transaction, its session timeout switched on the way when needed. */
  async function begin(scope: RequestScope | undefined, timeout: number) {
    const start = async (client: pg.PoolClient) => {
      const change = (sessionTimeout.get(client) ?? requestTimeout) !== timeout;
      // The session's timeout changes with BEGIN (no extra round trip): it holds at once, also
      // past a COMMIT inside a script (pg-boss maintenance), and stays with the session on ours.
      await client.query(change ? `BEGIN; SET statement_timeout = ${timeout}` : 'BEGIN');
      return change;
    };
    const client = await checkout(scope);
    try {
      return { client, change: await start(client) };
    } catch (error) {
      client.release(true);
      if (!isConnectionError(error)) throw error;
    }
    // A pooled connection whose server went away (failover, restart) is found out at its first
    // statement. BEGIN changes nothing, so starting again on a fresh connection is safe.
    const fresh = await checkout(scope);
    try {
      return { client: fresh, change: await start(fresh) };
    } catch (error) {
      fresh.release(true);
      throw translate(error);
    }
  }

  let pinging: Promise<void> | undefined;
  const probe: Queryable = {
    async query<T = Row>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
      try {
        const result = await probePool.query(sql, params as unknown[]);
        return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
      } catch (error) {
        throw translate(error);
      }
    },
  };
  const checkPrimary = async () => {
    const result = await probe.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
    if (result.rows[0]?.standby) {
      throw new DatabaseUnavailableError(new Error('connected to a standby (read-only), not the primary'));
    }
  };

  return {
    kind: 'postgres',
    async query<T = Row>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
      const scope = currentRequestScope();
      const client = await checkout(scope);
      let broken = false;
      try {
        await setSessionTimeout(client, wanted(scope));
        return await run<T>(client, scope, sql, params);
      } catch (error) {
        broken = error instanceof DatabaseUnavailableError;
        throw error;
      } finally {
        release(client, broken);
      }
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const scope = currentRequestScope();
      const timeout = wanted(scope);
      const { client, change } = await begin(scope, timeout);
      let result: T;
      try {
        result = await fn({ query: (sql, params) => run(client, scope, sql, params) });
      } catch (error) {
        const rolledBack = await client.query('ROLLBACK').then(
          () => true,
          () => false,
        );
        // Undone by the rollback, unless a script committed it inside: not known any more.
        if (change) sessionTimeout.set(client, UNKNOWN);
        // A connection that cannot even roll back is broken: destroy it rather than pool it.
        release(client, !rolledBack);
        throw translate(error);
      }
      let committed: pg.QueryResult;
      try {
        committed = await client.query('COMMIT');
      } catch (error) {
        release(client, true);
        // Lost at COMMIT: it may have committed or not. Never report success.
        throw translate(error, true);
      }
      if (change) sessionTimeout.set(client, timeout);
      release(client);
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
      const scope = currentRequestScope();
      const client = await checkout(scope);
      let broken = false;
      try {
        await setSessionTimeout(client, wanted(scope));
        await run(client, scope, sql);
      } catch (error) {
        broken = error instanceof DatabaseUnavailableError;
        throw error;
      } finally {
        release(client, broken);
      }
    },
    probe,
    ping(timeoutMs = PROBE_TIMEOUT_MS): Promise<void> {
      // One check in flight at a time: probes arriving while the server hangs do not pile up.
      pinging ??= checkPrimary().finally(() => {
        pinging = undefined;
      });
      return withTimeout(pinging, timeoutMs);
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    exclusive: (lockKey, fn) => withSessionLock(url, lockKey, fn),
    listen: (channel, onNotify) => listenOn(url, channel, onNotify),
    async close() {
      await Promise.all([pool.end(), probePool.end()]);
    },
  };
}

function cancelTargetOf(url: string): CancelTarget {
  const client = new pg.Client({ connectionString: url });
  return { host: client.host, port: client.port };
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
