/**
 * The lockout policy (pure; CONTRACT.md section 3). Failed passwords and failed codes count
 * together and only a completed sign-in (password and code) resets the count: were a correct
 * password alone to reset it, someone holding the password could guess codes without end.
 *
 * From the 5th consecutive failure every further failure locks for 15 minutes again; the 10th
 * locks until the service desk unlocks. Attempts while locked are refused without counting.
 */
export const LOCKOUT_POLICY = {
  temporaryAfter: 5,
  temporaryMs: 15 * 60 * 1000,
  permanentAfter: 10,
} as const;

export type LockoutPolicy = { [K in keyof typeof LOCKOUT_POLICY]: number };

export type Lock =
  | { locked: false }
  | { locked: true; permanent: false; until: Date; retryAfterS: number }
  | { locked: true; permanent: true };

export function currentLock(account: { status: string; lockedUntil?: Date | undefined }, now: Date): Lock {
  if (account.status === 'locked') return { locked: true, permanent: true };
  const until = account.lockedUntil;
  if (until && until.getTime() > now.getTime()) {
    // Rounded up so a client that waits exactly Retry-After finds the lock lifted.
    const retryAfterS = Math.ceil((until.getTime() - now.getTime()) / 1000);
    return { locked: true, permanent: false, until, retryAfterS };
  }
  return { locked: false };
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
