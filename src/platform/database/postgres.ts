/**
 * The PostgreSQL driver: one `pg` pool. Statements of an HTTP request (request-scope.ts) run with
 * the statement timeout, everything else without: connections open with the request timeout (a
 * startup parameter, free), and a connection's session is switched only when the other kind of
 * work gets it — on a transaction the switch rides on its BEGIN, so it costs a round trip only to
 * a single statement that lands on a connection last used by the other kind. A request whose
 * client goes away has its running statement cancelled (pg-cancel.ts) and its connection closed.
 */
import pg from 'pg';
import type { Database, Queryable, QueryResult, Row } from './database.js';
import { type CancelTarget, sendCancelRequest } from './pg-cancel.js';
import {
  clientGoneProblem,
  currentRequestScope,
  isQueryCancelled,
  type RequestScope,
  statementTimeoutProblem,
} from './request-scope.js';

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
}

interface BackendKey {
  processID: number;
  secretKey: number;
}

export async function openPostgres(url: string, options: PostgresOptions): Promise<Database> {
  const requestTimeout = options.statementTimeoutMs;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize,
    types,
    connectionTimeoutMillis: 10_000,
    ...(requestTimeout > 0 ? { statement_timeout: requestTimeout } : {}),
  });
  // An idle client that loses its server must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  // Readiness asks on its own connection, so a pool busy with long requests is not "unreachable".
  const probePool = new pg.Pool({
    connectionString: url,
    max: 1,
    types,
    connectionTimeoutMillis: PROBE_TIMEOUT_MS,
    statement_timeout: PROBE_TIMEOUT_MS,
  });
  probePool.on('error', () => {});
  const cancelTarget = cancelTargetOf(url);
  const sessionTimeout = new WeakMap<pg.PoolClient, number>();
  const cancelled = new WeakSet<pg.PoolClient>();
  const wanted = (scope: RequestScope | undefined) => (scope ? requestTimeout : 0);

  async function checkout(scope: RequestScope | undefined): Promise<pg.PoolClient> {
    if (scope?.signal?.aborted) throw clientGoneProblem();
    return pool.connect();
  }

  /** A connection a cancel was sent on is closed: a late cancel must not hit its next statement. */
  function release(client: pg.PoolClient): void {
    client.release(cancelled.has(client) ? true : undefined);
  }

  async function setSessionTimeout(client: pg.PoolClient, timeoutMs: number): Promise<void> {
    if ((sessionTimeout.get(client) ?? requestTimeout) === timeoutMs) return;
    await client.query(`SET statement_timeout = ${timeoutMs}`);
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
      const result = await client.query(sql, params as unknown[]);
      return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
    } catch (error) {
      if (scope && isQueryCancelled(error)) {
        throw signal?.aborted ? clientGoneProblem() : statementTimeoutProblem(requestTimeout);
      }
      throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  return {
    kind: 'postgres',
    async query<T = Row>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
      const scope = currentRequestScope();
      const client = await checkout(scope);
      try {
        await setSessionTimeout(client, wanted(scope));
        return await run<T>(client, scope, sql, params);
      } finally {
        release(client);
      }
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const scope = currentRequestScope();
      const timeout = wanted(scope);
      const client = await checkout(scope);
      const change = (sessionTimeout.get(client) ?? requestTimeout) !== timeout;
      try {
        // The session's timeout changes with BEGIN (no extra round trip): it holds at once, also
        // past a COMMIT inside a script (pg-boss maintenance), and stays with the session on ours.
        await client.query(change ? `BEGIN; SET statement_timeout = ${timeout}` : 'BEGIN');
        const result = await fn({ query: (sql, params) => run(client, scope, sql, params) });
        await client.query('COMMIT');
        if (change) sessionTimeout.set(client, timeout);
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        // Undone by the rollback, unless a script committed it inside: not known any more.
        if (change) sessionTimeout.set(client, UNKNOWN);
        throw error;
      } finally {
        release(client);
      }
    },
    async exec(sql: string): Promise<void> {
      const scope = currentRequestScope();
      const client = await checkout(scope);
      try {
        await setSessionTimeout(client, wanted(scope));
        await run(client, scope, sql);
      } finally {
        release(client);
      }
    },
    probe: {
      async query<T = Row>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
        const result = await probePool.query(sql, params as unknown[]);
        return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
      },
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    async close() {
      await Promise.all([pool.end(), probePool.end()]);
    },
  };
}

function cancelTargetOf(url: string): CancelTarget {
  const client = new pg.Client({ connectionString: url });
  return { host: client.host, port: client.port };
}
