/**
 * Service-desk status changes. Each is one UPDATE returning the new state, or undefined when
 * there is no such account. Suspending does not touch tokens here: the caller revokes the
 * account's refresh tokens in the same transaction (service-desk-routes.ts `onSuspend`).
 */
import type { Queryable } from '../../platform/database/database.js';
import { type Account, isAccountId, toAccount } from './store.js';

const RETURNING =
  'RETURNING id, username, role, fhir_user, org, status, failed_count, locked_until, created_at, updated_at';

async function update(db: Queryable, id: string, set: string): Promise<Account | undefined> {
  if (!isAccountId(id)) return undefined;
  const result = await db.query(`UPDATE account SET ${set}, updated_at = now() WHERE id = $1 ${RETURNING}`, [
    id,
  ]);
  return result.rows[0] ? toAccount(result.rows[0]) : undefined;
}

/** A suspended account cannot sign in (nor, through onSuspend, refresh). */
export function suspendAccount(db: Queryable, id: string): Promise<Account | undefined> {
  return update(db, id, `status = 'suspended'`);
}

/** Back to active with a clean failure count (the person was checked by the desk). */
export function reactivateAccount(db: Queryable, id: string): Promise<Account | undefined> {
  return update(db, id, `status = 'active', failed_count = 0, locked_until = NULL`);
}

/** Lifts both locks; a suspended account stays suspended (reactivating is a separate decision). */
export function unlockAccount(db: Queryable, id: string): Promise<Account | undefined> {
  return update(
    db,
    id,
    `status = CASE WHEN status = 'locked' THEN 'active' ELSE status END, failed_count = 0, locked_until = NULL`,
  );
}
