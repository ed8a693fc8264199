/**
 * Sign-in rate limits: a sliding window of attempt times per key (IP address, username), in this
 * process's memory. Replicas each keep their own window, so N replicas allow up to N times the
 * limit; lockout (in the database) is the bound that holds across replicas.
 */
export class SlidingWindowLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs = 60_000,
    /** Keys kept at most; the least recently seen go first, so memory stays bounded under a flood. */
    private readonly maxKeys = 100_000,
  ) {}

  /** Counts one attempt unless the key is over its limit; then says how long to wait. */
  hit(key: string, nowMs: number): { allowed: true } | { allowed: false; retryAfterS: number } {
    const since = nowMs - this.windowMs;
    const recent = (this.hits.get(key) ?? []).filter((at) => at > since);
    if (recent.length >= this.limit) {
      this.hits.set(key, recent);
      const oldest = recent[0]!;
      return { allowed: false, retryAfterS: Math.max(1, Math.ceil((oldest + this.windowMs - nowMs) / 1000)) };
    }
    recent.push(nowMs);
    this.hits.delete(key);
    this.hits.set(key, recent);
    if (this.hits.size > this.maxKeys) {
      const first = this.hits.keys().next();
      if (!first.done) this.hits.delete(first.value);
    }
    return { allowed: true };
  }
}
