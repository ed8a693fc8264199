/**
 * x5c certificates parsed once. A prescriber signs every order with the same certificate, and
 * every release verifies the stored Bundle again: parsing the DER (`new X509Certificate`) and
 * importing its key (jose keeps the imported CryptoKey per KeyObject) were about a third of each
 * verification (docs/benchmarks.md). The cache holds only the parse of bytes, keyed by the exact
 * base64 text in x5c: whether the certificate was valid, unrevoked and whose it is at sigT is
 * decided by the PKI on every call, never remembered here. Bounded LRU; failed parses are not kept.
 */
import type { KeyObject, X509Certificate } from 'node:crypto';
import { fromBase64 } from './encoding.js';
import { parseDerCertificate } from './keys.js';

export interface ParsedCertificate {
  der: Uint8Array;
  certificate: X509Certificate;
  /** The certificate's public key, made once (X509Certificate#publicKey makes a new one per read). */
  publicKey: KeyObject;
}

export const MAX_CACHED_CERTIFICATES = 512;

export class CertificateCache {
  private readonly entries = new Map<string, ParsedCertificate>();

  constructor(private readonly maxEntries = MAX_CACHED_CERTIFICATES) {}

  get size(): number {
    return this.entries.size;
  }

  /** The DER certificate in an x5c member (base64, not base64url), or undefined when it is not one. */
  parse(base64: string): ParsedCertificate | undefined {
    const hit = this.entries.get(base64);
    if (hit) {
      // Most recently used last, so the oldest is evicted first.
      this.entries.delete(base64);
      this.entries.set(base64, hit);
      return hit;
    }
    const der = fromBase64(base64);
    const certificate = der && parseDerCertificate(der);
    if (!der || !certificate) return undefined;
    const parsed = Object.freeze({ der, certificate, publicKey: certificate.publicKey });
    this.entries.set(base64, parsed);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    return parsed;
  }
}

const shared = new CertificateCache();

/** The process's cache (header.ts reads x5c through it). */
export function parseX5cCertificate(base64: string): ParsedCertificate | undefined {
  return shared.parse(base64);
}
