/**
 * One database interface over two drivers: embedded PGlite (default, data in DATA_DIR) and a
 * PostgreSQL server through `pg`. Everything above this file writes PostgreSQL 15 SQL once.
 */
export type Row = Record<string, unknown>;

export interface QueryResult<T = Row> {
  rows: T[];
  rowCount: number;
}

/** Anything that runs a single parameterised statement: the database itself or a transaction. */
export interface Queryable {
  query<T = Row>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
}

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

/** Each pool's stats by its name: `request` and `background` on PostgreSQL, `embedded` on PGlite. */
export type PoolsStats = Readonly<Record<string, PoolStats>>;

export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * For health checks: a connection of its own (PostgreSQL), so readiness answers while the pool
   * is busy; on PGlite, the database itself.
   */
  readonly probe: Queryable;
  poolStats(): PoolsStats;
  /**
   * Resolves when the database answers, as a writable primary, within `timeoutMs` (default 2 s);
   * otherwise rejects with DatabaseUnavailableError. For /readyz: never waits on a hung server.
   */
  ping(timeoutMs?: number): Promise<void>;
  /**
   * Runs `fn` while holding the advisory lock `lockKey` (see locks.ts), so that work every replica
   * does at start and that must not run twice at once (pg-boss's schema and queues, demo seeding)
   * runs in one process at a time. `fn` uses the database as usual: the lock is held on a
   * connection of its own. Not re-entrant: `fn` must not ask for the same lock again.
   */
  exclusive<T>(lockKey: number, fn: () => Promise<T>): Promise<T>;
  /**
   * PostgreSQL only (listen.ts): calls `onNotify` on every NOTIFY of `channel`, on a connection of
   * its own. Absent on PGlite, where whoever would listen keeps polling.
   */
  listen?(channel: string, onNotify: () => void): { close(): Promise<void> };
  close(): Promise<void>;
}

export async function openDatabase(options: {
  databaseUrl: string | undefined;
  dataDir: string;
  /** PostgreSQL: connections for the statements of HTTP requests (request-scope.ts). */
  poolSize?: number;
  /** PostgreSQL: connections for everything else (default: a quarter of poolSize, at least 2). */
  backgroundPoolSize?: number;
  /**
   * Statement timeout of the statements of HTTP requests (request-scope.ts); 0 or absent = none.
   * PostgreSQL only: PGlite runs a statement on the event loop's thread and cannot interrupt it.
   */
  statementTimeoutMs?: number;
}): Promise<Database> {
  if (options.databaseUrl) {
    const { openPostgres } = await import('./postgres.js');
    return openPostgres(options.databaseUrl, {
      poolSize: options.poolSize ?? 20,
      backgroundPoolSize: options.backgroundPoolSize,
      statementTimeoutMs: options.statementTimeoutMs ?? 0,
    });
  }
  const { openPglite } = await import('./pglite.js');
  return openPglite(options.dataDir);
}
