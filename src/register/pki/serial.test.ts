import { describe, expect, it } from 'vitest';
import { normaliseSerial, randomSerial } from './serial.js';

describe('randomSerial', () => {
  it('is 16 bytes of hex, positive, without a leading zero digit, whatever the random bytes', () => {
    for (const first of [0x00, 0x0f, 0x10, 0x7f, 0x80, 0xff]) {
      const serial = randomSerial((size) => Buffer.alloc(size, first));
      expect(serial).toMatch(/^[1-7][0-9a-f]{31}$/);
      expect(normaliseSerial(serial)).toBe(serial);
    }
  });

  it('differs each time', () => {
    expect(new Set(Array.from({ length: 100 }, () => randomSerial())).size).toBe(100);
  });
});

describe('normaliseSerial', () => {
  it('accepts hex in any case, ignoring leading zeros', () => {
    expect(normaliseSerial('5F3A')).toBe('5f3a');
    expect(normaliseSerial('005f3a')).toBe('5f3a');
    expect(normaliseSerial('0000')).toBe('0');
  });

  it('refuses separators, non-hex and absurd lengths', () => {
    for (const text of ['5f:3a', '5f 3a', '0x5f', 'xyz', '', 'a'.repeat(65), undefined, 12]) {
      expect(normaliseSerial(text)).toBeUndefined();
    }
  });
});
