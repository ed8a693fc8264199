/**
 * Retry policy: jittered exponential back-off with a ceiling, as pure functions.
 *
 * pg-boss 10.4 has its own back-off (`retryBackoff`): delay·2^n·(1 + random), jittered but with no
 * maximum (the exponent stops at 16, so with a 1 s delay a retry can wait 18 hours). The claims
 * feed must retry with the first retry ≤ 2 s and never wait more than 5 minutes, so the runner
 * computes every retry delay here and writes it onto the job itself.
 */

export interface RetryPolicy {
  /** How many retries after the first attempt; undefined = retry forever. */
  limit?: number;
  /** Ceiling of the first retry's delay, in seconds (the delay is jittered between half and all of it). */
  baseDelayS: number;
  /** No retry waits longer than this, however many attempts have failed. */
  maxDelayS: number;
}

/** One second, doubling, capped at five minutes, forever: what the outbox and the feed use. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({ baseDelayS: 1, maxDelayS: 300 });

/** Largest exponent used: 2^52 times any sane base is already far past any ceiling. */
const MAX_EXPONENT = 52;

/**
 * Delay before retry number `retryNumber` (1 = the retry after the first failed attempt).
 *
 * "Equal jitter": the ceiling doubles each retry up to `maxDelayS`, and the delay is drawn uniformly
 * from [ceiling/2, ceiling]. Half of it random spreads a crowd of retries (every feed event failing
 * while the claims system is down) so they do not return in lockstep; half of it fixed keeps a
 * floor so a retry never comes back immediately.
 */
export function retryDelayMs(
  retryNumber: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  assertPolicy(policy);
  const exponent = Math.min(Math.max(Math.floor(retryNumber), 1) - 1, MAX_EXPONENT);
  const ceilingMs = Math.min(policy.maxDelayS, policy.baseDelayS * 2 ** exponent) * 1000;
  const fraction = Math.min(Math.max(random(), 0), 1);
  return Math.round(ceilingMs / 2 + (ceilingMs / 2) * fraction);
}

/** True when, after `failedAttempts` failures, the policy allows another attempt. */
export function mayRetry(failedAttempts: number, policy: RetryPolicy): boolean {
  return policy.limit === undefined || failedAttempts <= policy.limit;
}

export function assertPolicy(policy: RetryPolicy): void {
  if (!(policy.baseDelayS > 0) || !(policy.maxDelayS >= policy.baseDelayS)) {
    throw new Error(`invalid retry policy: baseDelayS must be > 0 and maxDelayS >= baseDelayS`);
  }
  if (policy.limit !== undefined && !(Number.isInteger(policy.limit) && policy.limit >= 0)) {
    throw new Error('invalid retry policy: limit must be a whole number >= 0 or undefined');
  }
}
