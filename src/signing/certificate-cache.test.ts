import { beforeAll, describe, expect, it } from 'vitest';
import { makeSigner } from '../../test/support/signing/material.js';
import { CertificateCache } from './certificate-cache.js';
import { toBase64 } from './encoding.js';

let certificates: string[];
beforeAll(async () => {
  certificates = await Promise.all(
    Array.from({ length: 4 }, async () => toBase64((await makeSigner('ES256')).certificateDer)),
  );
});

describe('the x5c certificate cache', () => {
  it('parses a certificate once and hands back the same parse and KeyObject', () => {
    const cache = new CertificateCache();
    const first = cache.parse(certificates[0]!);
    expect(first?.certificate.raw.toString('base64')).toBe(certificates[0]);
    expect(cache.parse(certificates[0]!)).toBe(first);
    expect(cache.parse(certificates[0]!)?.publicKey).toBe(first?.publicKey);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it('keeps no failed parse: not base64, not a certificate, bytes after the certificate', () => {
    const cache = new CertificateCache();
    const der = Buffer.from(certificates[0]!, 'base64');
    for (const bad of [
      'not base64!',
      toBase64(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01])),
      toBase64(new Uint8Array([...der, 0x00])),
    ]) {
      expect(cache.parse(bad)).toBeUndefined();
    }
    expect(cache.size).toBe(0);
  });

  it('is bounded: the least recently used parse is dropped first', () => {
    const cache = new CertificateCache(2);
    const [a, b, c] = certificates as [string, string, string];
    const first = cache.parse(a);
    cache.parse(b);
    cache.parse(a);
    cache.parse(c);
    expect(cache.size).toBe(2);
    expect(cache.parse(a)).toBe(first);
    // b was the least recently used: parsed afresh.
    const again = cache.parse(b);
    expect(again?.certificate.raw.toString('base64')).toBe(b);
    expect(cache.size).toBe(2);
  });
});
