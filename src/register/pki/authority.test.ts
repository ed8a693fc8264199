import { describe, expect, it } from 'vitest';
import { derInteger, signingAlgorithmFor } from './authority.js';

describe('derInteger', () => {
  it('encodes non-negative numbers minimally, with a zero byte before a high bit', () => {
    const hex = (value: bigint) => Buffer.from(derInteger(value)).toString('hex');
    expect(hex(0n)).toBe('020100');
    expect(hex(1n)).toBe('020101');
    expect(hex(127n)).toBe('02017f');
    expect(hex(128n)).toBe('02020080');
    expect(hex(256n)).toBe('02020100');
    expect(hex(2n ** 63n)).toBe('0209008000000000000000');
  });

  it('refuses what a CRL number cannot be', () => {
    expect(() => derInteger(-1n)).toThrow(RangeError);
    expect(() => derInteger(2n ** 160n)).toThrow(RangeError);
  });
});

describe('signingAlgorithmFor', () => {
  it('signs with SHA-256 but for larger curves, and refuses other key types', () => {
    expect(signingAlgorithmFor({ name: 'ECDSA', namedCurve: 'P-256' })).toEqual({
      name: 'ECDSA',
      hash: 'SHA-256',
    });
    expect(signingAlgorithmFor({ name: 'ECDSA', namedCurve: 'P-384' })).toEqual({
      name: 'ECDSA',
      hash: 'SHA-384',
    });
    expect(signingAlgorithmFor({ name: 'RSASSA-PKCS1-v1_5' })).toEqual({
      name: 'RSASSA-PKCS1-v1_5',
      hash: 'SHA-256',
    });
    expect(() => signingAlgorithmFor({ name: 'Ed25519' })).toThrow();
  });
});
