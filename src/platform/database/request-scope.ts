/**
 * Which statements run for an HTTP request. A request's statements get the statement timeout
 * (DB_STATEMENT_TIMEOUT_MS) and, on routes that ask for it, are cancelled when the client goes
 * away; everything else — jobs, the outbox, migrations, the CLI, start-up — runs without either.
 * The HTTP server opens the scope for each request (http/server.ts); the drivers read it
 * (postgres.ts, pglite.ts), so no handler passes anything down.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Problem } from '../errors/problem.js';

export interface RequestScope {
  /** Aborted when the client left before its answer was sent; the request's query is cancelled. */
  signal?: AbortSignal;
}

const storage = new AsyncLocalStorage<RequestScope>();

/** Runs `fn` (and everything it starts) as part of a request. */
export function runInRequestScope<T>(scope: RequestScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/**
 * Runs `fn` as background work although a request started it (a flush shared by many requests,
 * a job kicked off for later): no request timeout, and not cancelled with the request.
 */
export function runOutsideRequest<T>(fn: () => T): T {
  return storage.exit(fn);
}

export function currentRequestScope(): RequestScope | undefined {
  return storage.getStore();
}

/** SQLSTATE 57014 query_canceled: a statement timeout, or a cancel request. */
export function isQueryCancelled(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '57014';
}

/** A request's statement ran out of time: 503, never a 500 (see README "Running it"). */
export function statementTimeoutProblem(timeoutMs: number): Problem {
  return new Problem(
    'SERVICE_UNAVAILABLE',
    `The database did not answer within DB_STATEMENT_TIMEOUT_MS (${timeoutMs} ms), so the request was ` +
      'stopped: retry later, and for a search narrow it (fewer values, a date range, a smaller _count)',
    { headers: { 'retry-after': '5' } },
  );
}

/** The client went away: its query was cancelled and nobody is waiting for this answer. */
export function clientGoneProblem(): Problem {
  return new Problem('SERVICE_UNAVAILABLE', 'The client closed the connection; its query was cancelled');
}
