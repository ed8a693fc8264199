/**
 * The lockout policy (pure; docs/api.md §3). Failed passwords and failed codes count
 * together and only a completed sign-in (password and code) resets the count: were a correct
 * password alone to reset it, someone holding the password could guess codes without end.
 *
 * From the 5th consecutive failure every further failure locks for 15 minutes again; the 10th
 * locks until the service desk unlocks (or the holder, through a verified channel). Attempts while
 * locked are refused without counting. The same rule runs on two counts (failure-store.ts): one
 * over every address, which locks the account, and one per client address, which locks that
 * address out of the username only. Failures are consecutive while less than `forgetAfterMs`
 * apart; a count not locked for good is forgotten after that.
 */
export const LOCKOUT_POLICY = {
  temporaryAfter: 5,
  temporaryMs: 15 * 60 * 1000,
  permanentAfter: 10,
  forgetAfterMs: 24 * 3600_000,
} as const;

export type LockoutPolicy = { [K in keyof typeof LOCKOUT_POLICY]: number };

export type Lock =
  | { locked: false }
  | { locked: true; permanent: false; until: Date; retryAfterS: number }
  | { locked: true; permanent: true };

const UNLOCKED: Lock = { locked: false };

/**
 * The lock on an account (or on one count of failures) now. A count at the permanent threshold is
 * locked for good whatever the status says: a suspended account locks like any other.
 */
export function currentLock(
  account: { status?: string; failedCount?: number; lockedUntil?: Date | undefined },
  now: Date,
  policy: LockoutPolicy = LOCKOUT_POLICY,
): Lock {
  if (account.status === 'locked' || (account.failedCount ?? 0) >= policy.permanentAfter) {
    return { locked: true, permanent: true };
  }
  const until = account.lockedUntil;
  if (until && until.getTime() > now.getTime()) {
    // Rounded up so a client that waits exactly Retry-After finds the lock lifted.
    const retryAfterS = Math.ceil((until.getTime() - now.getTime()) / 1000);
    return { locked: true, permanent: false, until, retryAfterS };
  }
  return UNLOCKED;
}

/** The lock that holds longest: a permanent one, else the latest end. */
export function strongestLock(locks: readonly Lock[]): Lock {
  let strongest: Lock = UNLOCKED;
  for (const lock of locks) {
    if (!lock.locked) continue;
    if (lock.permanent) return lock;
    if (!strongest.locked || (!strongest.permanent && lock.until > strongest.until)) strongest = lock;
  }
  return strongest;
}

/** The lock that `failedCount` consecutive failures (this one included) put on the account. */
export function lockAfterFailure(
  failedCount: number,
  now: Date,
  policy: LockoutPolicy = LOCKOUT_POLICY,
): { permanent: true } | { permanent: false; until: Date } | undefined {
  if (failedCount >= policy.permanentAfter) return { permanent: true };
  if (failedCount >= policy.temporaryAfter) {
    return { permanent: false, until: new Date(now.getTime() + policy.temporaryMs) };
  }
  return undefined;
}
