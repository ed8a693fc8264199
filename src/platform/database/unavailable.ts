/**
 * The database cannot be reached (or is not the writable primary) right now: a failover, a
 * restart, a network cut. Requests that meet it are answered 503 SERVICE_UNAVAILABLE with
 * Retry-After at the HTTP edge (never a 500); jobs retry after their back-off. When it came from
 * a COMMIT, the write may or may not have been committed: the client was not told it was, and
 * resends it (every write that matters is idempotent by its identifier).
 */
export class DatabaseUnavailableError extends Error {
  constructor(
    cause: unknown,
    /** The failure came from COMMIT: whether the transaction committed is unknown. */
    readonly outcomeUnknown = false,
  ) {
    super(`database unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'DatabaseUnavailableError';
  }
}

/** Seconds a client should wait before retrying: about a primary's failover time. */
export const DATABASE_RETRY_AFTER_S = 5;

/** Socket-level failures: the server or the path to it is gone. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs that say "not here, not now" rather than "your statement is wrong": connection
 * exceptions (class 08), the server shutting down or crashed (57P01-57P03), too many connections
 * (53300), and a write reaching a standby (25006: this connection outlived a failover).
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '25006']);

/** node-postgres's own messages for a connection that broke or could not be made in time. */
const DRIVER_MESSAGES = [
  /^Connection terminated/,
  /timeout exceeded when trying to connect/,
  /Client has encountered a connection error and is not queryable/,
  /Client was closed and is not queryable/,
  /the database system is (starting up|shutting down|in recovery mode)/,
];

export function isConnectionError(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return true;
    if (/^08[0-9A-Z]{3}$/.test(code) || UNAVAILABLE_SQLSTATES.has(code)) return true;
  }
  return DRIVER_MESSAGES.some((pattern) => pattern.test(error.message));
}
