import { describe, expect, it } from 'vitest';
import { fromBase64, fromBase64url, fromUtf8, toBase64, toBase64url, utf8 } from './encoding.js';

describe('strict encodings', () => {
  const bytes = new Uint8Array([0xfb, 0xff, 0x00, 0x3e]);

  it('round-trips base64 and base64url', () => {
    expect(toBase64(bytes)).toBe('+/8APg==');
    expect(toBase64url(bytes)).toBe('-_8APg');
    expect(fromBase64('+/8APg==')).toEqual(bytes);
    expect(fromBase64url('-_8APg')).toEqual(bytes);
  });

  it.each([
    ['the URL alphabet', '-_8APg=='],
    ['missing padding', '+/8APg'],
    ['whitespace', '+/8A\nPg=='],
    ['non-zero padding bits (a second spelling)', '+/8APh=='],
    ['nothing', ''],
    ['a stray character', '+/8APg=!'],
  ])('base64 refuses %s', (_what, text) => {
    expect(fromBase64(text)).toBeUndefined();
  });

  it.each([
    ['the standard alphabet', '+/8APg'],
    ['padding', '-_8APg=='],
    ['an impossible length', '-_8AP'],
    ['non-zero padding bits', '-_8APh'],
    ['a dot', 'ab.c'],
  ])('base64url refuses %s', (_what, text) => {
    expect(fromBase64url(text)).toBeUndefined();
  });

  it('reads UTF-8 and refuses invalid sequences', () => {
    expect(fromUtf8(utf8('Dose ½ €'))).toBe('Dose ½ €');
    expect(fromUtf8(new Uint8Array([0xc3, 0x28]))).toBeUndefined();
    expect(fromUtf8(new Uint8Array([0xed, 0xa0, 0x80]))).toBeUndefined();
  });
});
