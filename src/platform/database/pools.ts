/**
 * The PostgreSQL driver's connection pools (postgres.ts picks one per statement). Each pool's
 * sessions are configured once, when a connection opens, by startup parameters (the `options`
 * of the connection string): no statement ever switches a session's settings, so neither pool
 * pays a round trip for them, whatever kind of work used a connection before.
 */
import pg from 'pg';

const INT8 = 20;
const NUMERIC = 1700;

/** bigint columns hold counters and versions well inside 2^53; numbers are easier everywhere. */
const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === INT8 || oid === NUMERIC) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

/** PostgreSQL settings of every session of a pool (`SET name = value` at connect, for free). */
export type SessionSettings = Record<string, string | number>;

/**
 * `url` with `settings` appended to its `options` startup parameter as `-c name=value`. Options
 * the URL already carries are kept in front (a managed service's endpoint, a search_path); for a
 * setting named twice the server takes the last one, ours.
 */
export function withSessionSettings(url: string, settings: SessionSettings): string {
  const parsed = new URL(url);
  const ours = Object.entries(settings).map(([name, value]) => {
    if (!/^[a-z_]+$/.test(name) || !/^[\w.-]+$/.test(String(value))) {
      throw new Error(`session setting ${name}=${value} cannot be sent as a startup option`);
    }
    return `-c ${name}=${value}`;
  });
  const given = parsed.searchParams.get('options');
  parsed.searchParams.set('options', [...(given ? [given] : []), ...ours].join(' '));
  return parsed.toString();
}

export interface PoolOptions {
  max: number;
  session: SessionSettings;
  /** Also bounds the wait for a free pooled connection: a caller never hangs on the pool. */
  connectionTimeoutMillis?: number;
}

export function openPool(url: string, options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: withSessionSettings(url, options.session),
    max: options.max,
    types,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 10_000,
    // A primary that vanished without closing its sockets (host lost, network cut) is noticed.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  // An idle client that loses its server must not crash the process; the pool drops it and the
  // next query opens a new connection (to whichever server DATABASE_URL then reaches).
  pool.on('error', () => {});
  // The pool listens for errors only on idle clients. One that is checked out when its server
  // goes away would emit an unhandled 'error' and crash the process; with this its next
  // statement fails instead, and the pool discards it on release.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}
