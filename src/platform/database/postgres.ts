/**
 * The PostgreSQL driver: two `pg` pools chosen by request scope (request-scope.ts), plus a
 * one-connection pool for readiness probes (pools.ts opens them).
 *
 * - Statements of an HTTP request run on the request pool, whose sessions open with the request
 *   statement timeout (DB_STATEMENT_TIMEOUT_MS); everything else — the audit flush, the outbox,
 *   jobs (pg-boss goes through this Database), migrations, the CLI, start-up — runs on the
 *   background pool (DB_BACKGROUND_POOL_SIZE), whose sessions open without one and with
 *   `plan_cache_mode = force_custom_plan` (BACKGROUND_SESSION says why). Both are startup
 *   parameters: no `SET` is ever sent, and neither kind of work can take the other's connections.
 * - Request sessions keep the server's plan_cache_mode (`auto`): it already plans a search for its
 *   values every time and gives a read by id its cheaper generic plan (README, "Named statements").
 * - A request whose client goes away has its running statement cancelled (pg-cancel.ts) and its
 *   connection closed.
 * - A lost, refused or timed-out connection becomes DatabaseUnavailableError (503 at the edge); a
 *   write lost at COMMIT is never reported as committed; a pooled connection whose server went
 *   away (failover) is replaced at BEGIN; the pools reconnect by themselves.
 */
import pg from 'pg';
import type { Database, PoolStats, Queryable, QueryResult, Row } from './database.js';
import { listenOn } from './listen.js';
import { type CancelTarget, sendCancelRequest } from './pg-cancel.js';
import { defaultBackgroundPoolSize } from './pool-size.js';
import { openPool, type SessionSettings, withSessionSettings } from './pools.js';
import { DEFAULT_PREPARED_PER_CONNECTION, PreparedStatements } from './prepared.js';
import {
  clientGoneProblem,
  currentRequestScope,
  isQueryCancelled,
  type RequestScope,
  statementTimeoutProblem,
} from './request-scope.js';
import { DatabaseUnavailableError, isConnectionError } from './unavailable.js';

/** Readiness has its own connection and answers (or fails) within this. */
const PROBE_TIMEOUT_MS = 2_000;

/**
 * Background sessions: no statement timeout (a job or a flush may legitimately run long; a
 * server-wide default must not cut it), and custom plans for named statements. Background
 * statements work on queues whose size swings by orders of magnitude (the outbox, pg-boss), where a
 * generic plan cached while a queue was small stalled a claim (docs/benchmarks.md); they run once
 * per batch, so planning each execution costs nothing that matters.
 */
export const BACKGROUND_SESSION: SessionSettings = {
  statement_timeout: 0,
  plan_cache_mode: 'force_custom_plan',
};

export interface PostgresOptions {
  /** Connections for the statements of HTTP requests. */
  poolSize: number;
  /** Connections for everything else; default defaultBackgroundPoolSize(poolSize). */
  backgroundPoolSize?: number;
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

export async function openPostgres(url: string, options: PostgresOptions): Promise<Database> {
  const requestTimeout = options.statementTimeoutMs;
  const requestPool = openPool(url, {
    max: options.poolSize,
    session: { statement_timeout: requestTimeout },
  });
  const backgroundPool = openPool(url, {
    max: options.backgroundPoolSize ?? defaultBackgroundPoolSize(options.poolSize),
    session: BACKGROUND_SESSION,
  });
  // Readiness asks on its own connection, so a pool busy with long requests is not "unreachable".
  const probePool = openPool(url, {
    max: 1,
    connectionTimeoutMillis: PROBE_TIMEOUT_MS,
    session: { statement_timeout: PROBE_TIMEOUT_MS },
  });
  const pools = [requestPool, backgroundPool, probePool];
  const cancelTarget = cancelTargetOf(url);
  const prepared = new PreparedStatements(options.preparedPerConnection ?? DEFAULT_PREPARED_PER_CONNECTION);
  const cancelled = new WeakSet<pg.PoolClient>();

  async function checkout(scope: RequestScope | undefined): Promise<pg.PoolClient> {
    if (scope?.signal?.aborted) throw clientGoneProblem();
    try {
      return await (scope ? requestPool : backgroundPool).connect();
    } catch (error) {
      throw translate(error);
    }
  }

  /** A connection a cancel was sent on is closed: a late cancel must not hit its next statement. */
  function release(client: pg.PoolClient, broken = false): void {
    client.release(broken || cancelled.has(client) ? true : undefined);
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

  /** A pooled client in a transaction. */
  async function begin(scope: RequestScope | undefined): Promise<pg.PoolClient> {
    const client = await checkout(scope);
    try {
      await client.query('BEGIN');
      return client;
    } catch (error) {
      client.release(true);
      if (!isConnectionError(error)) throw error;
    }
    // A pooled connection whose server went away (failover, restart) is found out at its first
    // statement. BEGIN changes nothing, so starting again on a fresh connection is safe.
    const fresh = await checkout(scope);
    try {
      await fresh.query('BEGIN');
      return fresh;
    } catch (error) {
      fresh.release(true);
      throw translate(error);
    }
  }

  /** One statement (or a script) on a connection of its own, released whatever happens. */
  async function single<T>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
    const scope = currentRequestScope();
    const client = await checkout(scope);
    let broken = false;
    try {
      return await run<T>(client, scope, sql, params);
    } catch (error) {
      broken = error instanceof DatabaseUnavailableError;
      throw error;
    } finally {
      release(client, broken);
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
    query: single,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const scope = currentRequestScope();
      const client = await begin(scope);
      let result: T;
      try {
        result = await fn({ query: (sql, params) => run(client, scope, sql, params) });
      } catch (error) {
        const rolledBack = await client.query('ROLLBACK').then(
          () => true,
          () => false,
        );
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
      await single(sql);
    },
    probe,
    ping(timeoutMs = PROBE_TIMEOUT_MS): Promise<void> {
      // One check in flight at a time: probes arriving while the server hangs do not pile up.
      pinging ??= checkPrimary().finally(() => {
        pinging = undefined;
      });
      return withTimeout(pinging, timeoutMs);
    },
    // Each working pool apart: requests waiting for a connection is not the outbox waiting for one.
    poolStats: () => ({ request: statsOf(requestPool), background: statsOf(backgroundPool) }),
    exclusive: (lockKey, fn) => withSessionLock(url, lockKey, fn),
    listen: (channel, onNotify) => listenOn(url, channel, onNotify),
    async close() {
      await Promise.all(pools.map((pool) => pool.end()));
    },
  };
}

function statsOf(pool: pg.Pool): PoolStats {
  return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
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
  // A background session: a server-wide statement_timeout must not cut the wait short (the
  // holder may be migrating).
  const client = new pg.Client({
    connectionString: withSessionSettings(url, BACKGROUND_SESSION),
    connectionTimeoutMillis: 10_000,
  });
  client.on('error', () => {});
  await client.connect();
  try {
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
