/**
 * Verified tokens, remembered until they expire, so a busy client does not pay an ECDSA
 * verification (and a JWKS lookup) on every request. Bounded LRU: a flood of distinct tokens can
 * only push older entries out, never grow memory without limit.
 */
import type { Principal } from './principal.js';

interface Entry {
  principal: Principal;
  /** Epoch milliseconds after which the token is no longer accepted. */
  expiresAtMs: number;
}

export class TokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly maxEntries = 10_000) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * The principal of a token verified earlier and not yet expired at `nowMs`. Keyed by the whole
   * compact token, not only its signature, so a cached signature can never vouch for a different
   * header or payload.
   */
  get(token: string, nowMs: number): Principal | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    this.entries.delete(token);
    if (nowMs >= entry.expiresAtMs) return undefined;
    // Re-insert: a Map iterates in insertion order, so the first key is the least recently used.
    this.entries.set(token, entry);
    return entry.principal;
  }

  set(token: string, principal: Principal, expiresAtMs: number): void {
    this.entries.delete(token);
    this.entries.set(token, { principal, expiresAtMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
