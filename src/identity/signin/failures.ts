/**
 * Counting a failed password or code, locking per the policy, and auditing both — for known and
 * unknown usernames alike (failure-store.ts).
 *
 * A failed password counts first against the username from its client address. While that
 * address has had fewer than `temporaryAfter` failures it also counts against the username over
 * every address (the account-level count); from then on only the address is locked out. So one
 * address sees the contract's lockout (5 → 15 minutes, 10 → until unlocked) without being able
 * to lock the account for its holder elsewhere; failures spread over addresses lock the account.
 * A failed code counts against the account only: whoever gets that far has the password.
 *
 * An account-level lock of a known account is mirrored onto the account row (what the service
 * desk sees and the token endpoint checks) and revokes every refresh family of the account, which
 * stops its live access tokens (docs/api.md §3). An address's lock revokes the sessions
 * that were started from that address only.
 */
import type { AuditTrail } from '../../platform/audit/index.js';
import type { Database, Queryable } from '../../platform/database/database.js';
import { accountAgent, accountEntity } from '../accounts/audit-agent.js';
import type { Account } from '../accounts/store.js';
import { revokeAllForAccount, revokeFamiliesFrom } from '../oauth/refresh.js';
import { ALL_SOURCES, countFailure, type UsernameKeyer } from './failure-store.js';
import { LOCKOUT_POLICY, type lockAfterFailure } from './lockout.js';

export interface FailureDeps {
  db: Database;
  audit: Pick<AuditTrail, 'record'>;
  now: Date;
  keyOf: UsernameKeyer;
  /** Called once the transaction that revoked refresh families has committed. */
  afterRevocation?: (() => Promise<void>) | undefined;
}

export interface Failure {
  username: string;
  /** Undefined for an unknown username. */
  account?: Account | undefined;
  /** The client address (sourceOf) of a failed password; undefined for a failed code. */
  source?: string | undefined;
  ip?: string | undefined;
  requestId?: string | undefined;
}

type NewLock = ReturnType<typeof lockAfterFailure>;

async function mirrorOntoAccount(tx: Queryable, accountId: string, count: number, lock: NewLock) {
  await tx.query(
    `UPDATE account SET failed_count = $2,
       locked_until = CASE WHEN $3::timestamptz IS NULL THEN locked_until ELSE $3::timestamptz END,
       -- Only an active account becomes 'locked': a suspension stays what it is.
       status = CASE WHEN $4 AND status = 'active' THEN 'locked' ELSE status END,
       updated_at = now()
     WHERE id = $1`,
    [accountId, count, lock && !lock.permanent ? lock.until.toISOString() : null, lock?.permanent === true],
  );
}

const lockText = (lock: NonNullable<NewLock>): string =>
  lock.permanent ? 'until unlocked' : `until ${lock.until.toISOString()}`;

export async function recordFailure(deps: FailureDeps, failure: Failure, what: string): Promise<void> {
  const { db, audit, now } = deps;
  const key = deps.keyOf(failure.username);
  const account = failure.account;
  const outcome = await db.transaction(async (tx) => {
    const here = failure.source === undefined ? undefined : await countFailure(tx, key, failure.source, now);
    const overall =
      here === undefined || here.count < LOCKOUT_POLICY.temporaryAfter
        ? await countFailure(tx, key, ALL_SOURCES, now)
        : undefined;
    let revoked = 0;
    if (account && overall) {
      await mirrorOntoAccount(tx, account.id, overall.count, overall.lock);
      if (overall.lock) revoked = await revokeAllForAccount(tx, account.id, 'account-locked');
    }
    if (account && here?.lock && failure.source !== undefined) {
      // Locked out from one address: the sessions started from there end, the others go on.
      revoked += await revokeFamiliesFrom(tx, account.id, failure.source);
    }
    return { here, overall, revoked };
  });
  if (outcome.revoked > 0) await deps.afterRevocation?.();

  const agent = account
    ? accountAgent(account, failure.ip)
    : { display: 'unauthenticated', ...(failure.ip ? { ip: failure.ip } : {}) };
  const requestId = failure.requestId ? { requestId: failure.requestId } : {};
  await audit.record({ subtype: 'login', outcome: '4', agent, ...requestId, detail: `refused: ${what}` });
  if (!account) return;
  const { here, overall } = outcome;
  if (overall?.lock) {
    await audit.record({
      subtype: 'user-security-attributes-changed',
      outcome: '0',
      agent,
      ...accountEntity(account),
      ...requestId,
      detail: `account:${account.id} locked ${lockText(overall.lock)} after ${overall.count} consecutive failed sign-ins; ${outcome.revoked} token family(ies) revoked`,
    });
  } else if (here?.lock) {
    await audit.record({
      subtype: 'user-security-attributes-changed',
      outcome: '0',
      agent,
      ...accountEntity(account),
      ...requestId,
      detail: `sign-in to account:${account.id} from this address locked ${lockText(here.lock)} after ${here.count} consecutive failures from it; ${outcome.revoked} token family(ies) started there revoked`,
    });
  }
}
