import { describe, expect, it } from 'vitest';
import { SlidingWindowLimiter } from './rate-limit.js';

describe('sliding window limiter', () => {
  it('allows the limit per window per key, then says when to retry', () => {
    const limiter = new SlidingWindowLimiter(2, 60_000);
    expect(limiter.hit('a', 0).allowed).toBe(true);
    expect(limiter.hit('a', 10_000).allowed).toBe(true);
    expect(limiter.hit('a', 20_000)).toEqual({ allowed: false, retryAfterS: 40 });
    expect(limiter.hit('b', 20_000).allowed).toBe(true);
    expect(limiter.hit('a', 60_001).allowed).toBe(true);
  });

  it('forgets the least recently seen keys beyond its capacity', () => {
    const limiter = new SlidingWindowLimiter(1, 60_000, 2);
    limiter.hit('a', 0);
    limiter.hit('b', 0);
    limiter.hit('c', 0);
    expect(limiter.hit('a', 1).allowed).toBe(true);
    expect(limiter.hit('c', 1).allowed).toBe(false);
  });
});
