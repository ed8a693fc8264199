/**
 * Where the fake ePMS gets the feed's public key: given directly (tests), from a file, or from
 * Pathways' `GET /pki/feed.pem`. A URL is fetched lazily (Pathways may start after the fake) and
 * again when a request names another keyid, at most every few seconds.
 */
import { readFile } from 'node:fs/promises';
import { keyIdOf, parseFeedPublicKey } from '../feed-key.js';
import type { TrustedKey } from './incoming.js';

export type KeySource = { pem: string } | { file: string } | { url: string };

const DEFAULT_REFETCH_MS = 5000;

export class TrustedKeyHolder {
  #source: KeySource | undefined;
  #key: TrustedKey | undefined;
  #lastFetch = Number.NEGATIVE_INFINITY;
  readonly #refetchMs: number;

  constructor(source?: KeySource, refetchMs = DEFAULT_REFETCH_MS) {
    this.#source = source;
    this.#refetchMs = refetchMs;
  }

  /** Trusts this key (PEM, SPKI) from now on. */
  async trust(pem: string): Promise<TrustedKey> {
    this.#source = { pem };
    this.#key = await fromPem(pem);
    return this.#key;
  }

  /** The trusted key, loading it when needed; undefined when it cannot be had (yet). */
  async current(): Promise<TrustedKey | undefined> {
    if (!this.#key) await this.reload();
    return this.#key;
  }

  /** Loads the key again (a request named another keyid); rate-limited for URLs. */
  async reload(): Promise<void> {
    const source = this.#source;
    if (!source) return;
    if ('pem' in source) {
      this.#key ??= await fromPem(source.pem);
      return;
    }
    if (Date.now() - this.#lastFetch < this.#refetchMs) return;
    this.#lastFetch = Date.now();
    try {
      const pem =
        'file' in source ? await readFile(source.file, 'utf8') : await (await fetchOk(source.url)).text();
      this.#key = await fromPem(pem);
    } catch {
      // Keep what we had; the next request tries again after the interval.
    }
  }
}

async function fromPem(pem: string): Promise<TrustedKey> {
  const publicKey = parseFeedPublicKey(pem);
  return { keyid: await keyIdOf(publicKey), publicKey };
}

async function fetchOk(url: string): Promise<Response> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response;
}
