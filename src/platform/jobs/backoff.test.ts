import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, mayRetry, type RetryPolicy, retryDelayMs } from './backoff.js';

const feed: RetryPolicy = { baseDelayS: 2, maxDelayS: 300 };

/** A seeded generator, so the property checks are repeatable. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('retryDelayMs', () => {
  it('stays between half and all of a ceiling that doubles from the base up to the maximum', () => {
    const random = seeded(42);
    for (let retry = 1; retry <= 40; retry++) {
      const ceilingMs = Math.min(300, 2 * 2 ** (retry - 1)) * 1000;
      for (let sample = 0; sample < 50; sample++) {
        const delay = retryDelayMs(retry, feed, random);
        expect(delay).toBeGreaterThanOrEqual(ceilingMs / 2);
        expect(delay).toBeLessThanOrEqual(ceilingMs);
      }
    }
  });

  it('makes the first retry of the claims feed wait at most 2 s, and none more than 5 minutes', () => {
    expect(retryDelayMs(1, feed, () => 1)).toBe(2000);
    expect(retryDelayMs(1, feed, () => 0)).toBe(1000);
    for (const retry of [9, 10, 50, 1000, 1e9, Number.MAX_SAFE_INTEGER]) {
      expect(retryDelayMs(retry, feed, () => 1)).toBe(300_000);
      expect(retryDelayMs(retry, feed, () => 0)).toBe(150_000);
    }
  });

  it('is jittered: the same retry gets different delays', () => {
    const random = seeded(7);
    const delays = new Set(Array.from({ length: 20 }, () => retryDelayMs(5, feed, random)));
    expect(delays.size).toBeGreaterThan(15);
  });

  it('never shrinks its ceiling as retries go on', () => {
    let previous = 0;
    for (let retry = 1; retry < 100; retry++) {
      const ceiling = retryDelayMs(retry, DEFAULT_RETRY_POLICY, () => 1);
      expect(ceiling).toBeGreaterThanOrEqual(previous);
      previous = ceiling;
    }
  });

  it('treats nonsense retry numbers and random values as the nearest sensible ones', () => {
    expect(retryDelayMs(0, feed, () => 1)).toBe(2000);
    expect(retryDelayMs(-3, feed, () => 1)).toBe(2000);
    expect(retryDelayMs(1, feed, () => 7)).toBe(2000);
    expect(retryDelayMs(1, feed, () => -1)).toBe(1000);
  });

  it('supports sub-second delays (tests) and rejects policies that make no sense', () => {
    expect(retryDelayMs(1, { baseDelayS: 0.05, maxDelayS: 0.2 }, () => 1)).toBe(50);
    expect(() => retryDelayMs(1, { baseDelayS: 0, maxDelayS: 1 })).toThrow(/invalid retry policy/);
    expect(() => retryDelayMs(1, { baseDelayS: 2, maxDelayS: 1 })).toThrow(/invalid retry policy/);
    expect(() => retryDelayMs(1, { baseDelayS: 1, maxDelayS: 2, limit: 1.5 })).toThrow(
      /invalid retry policy/,
    );
  });
});

describe('mayRetry', () => {
  it('allows `limit` retries after the first attempt, or any number without a limit', () => {
    const three: RetryPolicy = { ...feed, limit: 3 };
    expect([1, 2, 3, 4].map((failed) => mayRetry(failed, three))).toEqual([true, true, true, false]);
    expect(mayRetry(1, { ...feed, limit: 0 })).toBe(false);
    expect(mayRetry(1_000_000, feed)).toBe(true);
  });
});
