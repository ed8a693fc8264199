import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CODE_MAX_TRIES,
  CODE_TTL_MS,
  codeMac,
  deriveCodeKey,
  generateCode,
  isCodeShape,
  judgeCode,
  macsEqual,
} from './code-rules.js';

describe('one-time code rules', () => {
  const key = deriveCodeKey(randomBytes(32));
  const now = new Date('2026-06-01T12:00:00Z');
  const stored = (code: string, extra: Partial<Parameters<typeof judgeCode>[0] & object> = {}) => ({
    codeMac: codeMac(key, 'login:1', 'sign-in', code),
    expiresAt: new Date(now.getTime() + CODE_TTL_MS),
    tries: 0,
    ...extra,
  });

  it('generates 6 digits, keeping leading zeros, from the random source', () => {
    expect(generateCode(() => 42)).toBe('000042');
    expect(generateCode(() => 999_999)).toBe('999999');
    for (let i = 0; i < 50; i++) expect(isCodeShape(generateCode())).toBe(true);
    expect(isCodeShape('12345')).toBe(false);
    expect(isCodeShape('1234567')).toBe(false);
    expect(isCodeShape('12a456')).toBe(false);
  });

  it('binds the MAC to the key, the subject and the purpose', () => {
    const mac = codeMac(key, 'login:1', 'sign-in', '123456');
    expect(mac).toMatch(/^[0-9a-f]{64}$/);
    expect(mac).not.toContain('123456');
    expect(codeMac(key, 'login:1', 'sign-in', '123456')).toBe(mac);
    expect(codeMac(key, 'login:2', 'sign-in', '123456')).not.toBe(mac);
    expect(codeMac(key, 'login:1', 'email', '123456')).not.toBe(mac);
    expect(codeMac(deriveCodeKey(randomBytes(32)), 'login:1', 'sign-in', '123456')).not.toBe(mac);
    // The derived key is not the service key itself.
    const secret = randomBytes(32);
    expect(deriveCodeKey(secret).equals(secret)).toBe(false);
    expect(deriveCodeKey(secret).equals(deriveCodeKey(secret))).toBe(true);
  });

  it('compares MACs in full', () => {
    expect(macsEqual('abc', 'abc')).toBe(true);
    expect(macsEqual('abc', 'abd')).toBe(false);
    expect(macsEqual('abc', 'abcd')).toBe(false);
  });

  it('judges a code: right, wrong, none, used, expired, out of tries', () => {
    const right = codeMac(key, 'login:1', 'sign-in', '123456');
    const wrong = codeMac(key, 'login:1', 'sign-in', '123457');
    expect(judgeCode(stored('123456'), right, now)).toBe('ok');
    expect(judgeCode(stored('123456'), wrong, now)).toBe('wrong');
    expect(judgeCode(undefined, right, now)).toBe('none');
    expect(judgeCode(stored('123456', { usedAt: now }), right, now)).toBe('used');
    expect(judgeCode(stored('123456', { expiresAt: now }), right, now)).toBe('expired');
    expect(judgeCode(stored('123456', { tries: CODE_MAX_TRIES - 1 }), right, now)).toBe('ok');
    expect(judgeCode(stored('123456', { tries: CODE_MAX_TRIES }), right, now)).toBe('exhausted');
    expect(CODE_MAX_TRIES).toBe(5);
    expect(CODE_TTL_MS).toBe(10 * 60_000);
  });
});
