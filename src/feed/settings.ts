/**
 * The feed's settings, read from the environment when the capability is built (a bad value stops
 * the start with one line naming the variable). EPMS_URL comes validated from the platform config;
 * the rest are the feed's own knobs. The bounds keep docs/api.md §8 true however they are set:
 * the first retry never waits more than 2 s and no retry more than 5 minutes.
 */
import { ConfigError, type Env, integer } from '../platform/config/config.js';
import type { RetryPolicy } from '../platform/jobs/backoff.js';

export interface FeedSettings {
  /** `$EPMS_URL/events`, normalised; undefined when the feed is disabled. */
  eventsUrl: string | undefined;
  /** An attempt still unanswered after this long is abandoned and retried. */
  timeoutMs: number;
  retry: RetryPolicy;
  /** Deliveries in flight at once in this process. */
  concurrency: number;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
/** The retry policy of the contract: first retry within 2 s, doubling, never more than 5 min apart, forever. */
export const CONTRACT_RETRY: RetryPolicy = Object.freeze({ baseDelayS: 2, maxDelayS: 300 });

export function readFeedSettings(env: Env, epmsUrl: string | undefined): FeedSettings {
  const baseMs = integer(env, 'FEED_RETRY_BASE_MS', CONTRACT_RETRY.baseDelayS * 1000, 1, 2_000);
  const maxMs = integer(env, 'FEED_RETRY_MAX_MS', CONTRACT_RETRY.maxDelayS * 1000, 1, 300_000);
  if (maxMs < baseMs) {
    throw new ConfigError(
      'FEED_RETRY_MAX_MS',
      `must be at least FEED_RETRY_BASE_MS (${baseMs}), got ${maxMs}`,
    );
  }
  return {
    eventsUrl: epmsUrl === undefined ? undefined : eventsUrlOf(epmsUrl),
    timeoutMs: integer(env, 'FEED_TIMEOUT_MS', DEFAULT_TIMEOUT_MS, 50, 600_000),
    retry: { baseDelayS: baseMs / 1000, maxDelayS: maxMs / 1000 },
    concurrency: integer(env, 'FEED_CONCURRENCY', 4, 1, 64),
  };
}

/**
 * `$EPMS_URL/events` as the URL the request goes to and the signature covers (`@target-uri`).
 * Credentials in the URL would be logged and shown to operators, and a query would make the
 * target ambiguous, so both are refused.
 */
export function eventsUrlOf(epmsUrl: string): string {
  const base = new URL(epmsUrl);
  if (base.username || base.password) {
    throw new ConfigError('EPMS_URL', 'must not contain credentials (user:password@)');
  }
  if (base.search || base.hash) throw new ConfigError('EPMS_URL', 'must not have a query or fragment');
  const path = base.pathname.replace(/\/+$/, '');
  return new URL(`${path}/events`, base.origin).href;
}
