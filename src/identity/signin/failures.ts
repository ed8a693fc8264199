/** Counting a failed password or code, locking per the policy, and auditing both. */
import type { AuditTrail } from '../../platform/audit/index.js';
import type { Database } from '../../platform/database/database.js';
import { accountAgent, accountEntity } from '../accounts/audit-agent.js';
import type { Account } from '../accounts/store.js';
import { lockAfterFailure } from './lockout.js';

export interface FailureDeps {
  db: Database;
  audit: Pick<AuditTrail, 'record'>;
  now: Date;
}

export async function recordFailure(
  deps: FailureDeps,
  account: Account,
  attempt: { ip?: string | undefined; requestId?: string | undefined },
  what: string,
): Promise<void> {
  const { db, audit, now } = deps;
  const { count, lock } = await db.transaction(async (tx) => {
    // Incremented in the database so concurrent failures are all counted.
    const result = await tx.query<{ failed_count: number }>(
      'UPDATE account SET failed_count = failed_count + 1, updated_at = now() WHERE id = $1 RETURNING failed_count',
      [account.id],
    );
    const count = Number(result.rows[0]?.failed_count ?? 0);
    const lock = lockAfterFailure(count, now);
    if (lock?.permanent) {
      // Only an active account becomes 'locked': a suspension stays what it is.
      await tx.query(
        `UPDATE account SET status = 'locked', locked_until = NULL WHERE id = $1 AND status = 'active'`,
        [account.id],
      );
    } else if (lock) {
      await tx.query('UPDATE account SET locked_until = $2::timestamptz WHERE id = $1', [
        account.id,
        lock.until.toISOString(),
      ]);
    }
    return { count, lock };
  });
  const agent = { ...accountAgent(account), ...(attempt.ip ? { ip: attempt.ip } : {}) };
  const requestId = attempt.requestId ? { requestId: attempt.requestId } : {};
  await audit.record({ subtype: 'login', outcome: '4', agent, ...requestId, detail: `refused: ${what}` });
  if (lock) {
    await audit.record({
      subtype: 'user-security-attributes-changed',
      outcome: '0',
      agent,
      ...accountEntity(account),
      ...requestId,
      detail: lock.permanent
        ? `account:${account.id} locked until unlocked after ${count} consecutive failed sign-ins`
        : `account:${account.id} locked until ${lock.until.toISOString()} after ${count} consecutive failed sign-ins`,
    });
  }
}
