/**
 * Counts of failed sign-ins per username (`signin_failure`), kept alike whether or not an account
 * has the username, so that an unknown username locks exactly as a known one (docs/api.md
 * section 3). Each username has a count over every address (`*`, the account-level lock) and one
 * per client address (oauth/source-address.ts). The username is stored as an HMAC under a key derived
 * from the service key: what people type into the username box is sometimes their password.
 *
 * Bounded: a count not locked for good is forgotten `forgetAfterMs` after its last failure, and
 * `pruneFailureCounts` keeps at most `FAILURE_ROWS_CAP` rows (the least recently failed go first).
 */
import { createHmac, hkdfSync } from 'node:crypto';
import type { Queryable } from '../../platform/database/database.js';
import { currentLock, LOCKOUT_POLICY, type Lock, type LockoutPolicy, lockAfterFailure } from './lockout.js';

/** The count over every address. */
export const ALL_SOURCES = '*';
export const FAILURE_ROWS_CAP = 100_000;

export type UsernameKeyer = (username: string) => string;

/** HMAC-SHA256 of the lower-cased username (usernames are unique regardless of case). */
export function usernameKeyer(secretKey: Buffer): UsernameKeyer {
  const key = Buffer.from(hkdfSync('sha256', secretKey, 'pathways', 'signin-failure-username', 32));
  return (username) => createHmac('sha256', key).update(username.toLowerCase(), 'utf8').digest('hex');
}

export interface FailureCount {
  failedCount: number;
  lockedUntil?: Date;
}

type Row = { source: string; failed_count: number; locked_until: string | Date | null };

const toCount = (row: Row | undefined): FailureCount | undefined =>
  row
    ? {
        failedCount: Number(row.failed_count),
        ...(row.locked_until ? { lockedUntil: new Date(row.locked_until) } : {}),
      }
    : undefined;

/** The username's count over every address and its count from `source`. */
export async function failureCounts(
  q: Queryable,
  usernameKey: string,
  source: string,
): Promise<{ all?: FailureCount; here?: FailureCount }> {
  const result = await q.query<Row>(
    'SELECT source, failed_count, locked_until FROM signin_failure WHERE username_key = $1 AND source IN ($2, $3)',
    [usernameKey, ALL_SOURCES, source],
  );
  const all = toCount(result.rows.find((row) => row.source === ALL_SOURCES));
  const here = toCount(result.rows.find((row) => row.source === source && source !== ALL_SOURCES));
  return { ...(all ? { all } : {}), ...(here ? { here } : {}) };
}

/** Locks of both counts now. */
export function countLock(count: FailureCount | undefined, now: Date): Lock {
  return count ? currentLock(count, now) : { locked: false };
}

/**
 * One more failure on one count (atomic, so concurrent failures are all counted). A count whose
 * last failure is older than `forgetAfterMs` starts again, unless it is locked for good. Returns
 * the new count and the lock it now carries, if this failure set one.
 */
export async function countFailure(
  q: Queryable,
  usernameKey: string,
  source: string,
  now: Date,
  policy: LockoutPolicy = LOCKOUT_POLICY,
): Promise<{ count: number; lock: ReturnType<typeof lockAfterFailure> }> {
  const result = await q.query<{ failed_count: number }>(
    `INSERT INTO signin_failure (username_key, source, failed_count, last_failed_at)
     VALUES ($1, $2, 1, $3::timestamptz)
     ON CONFLICT (username_key, source) DO UPDATE SET
       failed_count = CASE
         WHEN signin_failure.failed_count < $5 AND signin_failure.last_failed_at < $4::timestamptz THEN 1
         ELSE signin_failure.failed_count + 1 END,
       locked_until = CASE
         WHEN signin_failure.failed_count < $5 AND signin_failure.last_failed_at < $4::timestamptz THEN NULL
         ELSE signin_failure.locked_until END,
       last_failed_at = EXCLUDED.last_failed_at
     RETURNING failed_count`,
    [
      usernameKey,
      source,
      now.toISOString(),
      new Date(now.getTime() - policy.forgetAfterMs).toISOString(),
      policy.permanentAfter,
    ],
  );
  const count = Number(result.rows[0]!.failed_count);
  const lock = lockAfterFailure(count, now, policy);
  if (lock && !lock.permanent) {
    await q.query(
      'UPDATE signin_failure SET locked_until = $3::timestamptz WHERE username_key = $1 AND source = $2',
      [usernameKey, source, lock.until.toISOString()],
    );
  }
  return { count, lock };
}

/** Forgets the username's failures: every count, or the account-level one and one address's. */
export async function clearFailureCounts(q: Queryable, usernameKey: string, source?: string): Promise<void> {
  if (source === undefined) {
    await q.query('DELETE FROM signin_failure WHERE username_key = $1', [usernameKey]);
    return;
  }
  await q.query('DELETE FROM signin_failure WHERE username_key = $1 AND source IN ($2, $3)', [
    usernameKey,
    ALL_SOURCES,
    source,
  ]);
}

/** Whether any count of the username is locked now. */
export async function anyCountLocked(
  q: Queryable,
  usernameKey: string,
  now: Date,
  policy: LockoutPolicy = LOCKOUT_POLICY,
): Promise<boolean> {
  const result = await q.query(
    `SELECT 1 FROM signin_failure
     WHERE username_key = $1 AND (failed_count >= $2 OR locked_until > $3::timestamptz) LIMIT 1`,
    [usernameKey, policy.permanentAfter, now.toISOString()],
  );
  return result.rowCount > 0;
}

/** How many client addresses are locked out of the username now (not the account-level count). */
export async function lockedAddressCount(
  q: Queryable,
  usernameKey: string,
  now: Date,
  policy: LockoutPolicy = LOCKOUT_POLICY,
): Promise<number> {
  const result = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM signin_failure
     WHERE username_key = $1 AND source <> $2 AND (failed_count >= $3 OR locked_until > $4::timestamptz)`,
    [usernameKey, ALL_SOURCES, policy.permanentAfter, now.toISOString()],
  );
  return Number(result.rows[0]?.n ?? 0);
}

/**
 * Deletes counts that are forgotten (not locked for good, last failure older than
 * `forgetAfterMs`), then the least recently failed rows beyond `cap`. Returns the rows deleted.
 */
export async function pruneFailureCounts(
  q: Queryable,
  now: Date,
  cap = FAILURE_ROWS_CAP,
  policy: LockoutPolicy = LOCKOUT_POLICY,
): Promise<number> {
  const stale = await q.query('DELETE FROM signin_failure WHERE failed_count < $1 AND last_failed_at < $2', [
    policy.permanentAfter,
    new Date(now.getTime() - policy.forgetAfterMs).toISOString(),
  ]);
  const over = await q.query(
    `DELETE FROM signin_failure WHERE (username_key, source) IN (
       SELECT username_key, source FROM signin_failure ORDER BY last_failed_at DESC OFFSET $1)`,
    [cap],
  );
  return stale.rowCount + over.rowCount;
}
