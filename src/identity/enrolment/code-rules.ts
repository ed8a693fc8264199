/**
 * One-time codes sent by email or SMS (pure): 6 digits, valid 10 minutes, at most 5 tries.
 *
 * A 6-digit code has only a million values, so a plain hash of it would fall to a brute force in
 * a moment: what is stored is an HMAC under a key derived from the service key, bound to the code's
 * subject and purpose. A database copy alone reveals no code, and a code for one sign-in or
 * registration is worthless for another.
 */
import { createHmac, hkdfSync, randomInt, timingSafeEqual } from 'node:crypto';

export const CODE_TTL_MS = 10 * 60_000;
export const CODE_MAX_TRIES = 5;

export type CodeKey = Buffer;

const CODE_SHAPE = /^\d{6}$/;

export const isCodeShape = (value: string): boolean => CODE_SHAPE.test(value);

/** A uniformly random 6-digit code (leading zeros kept). */
export function generateCode(random: (max: number) => number = randomInt): string {
  return String(random(1_000_000)).padStart(6, '0');
}

/** The HMAC key for codes, derived from the service key so it is never stored anywhere. */
export function deriveCodeKey(secretKey: Buffer): CodeKey {
  return Buffer.from(hkdfSync('sha256', secretKey, 'pathways', 'one-time-code-mac', 32));
}

export function codeMac(key: CodeKey, subject: string, purpose: string, code: string): string {
  return createHmac('sha256', key).update(`${subject}\n${purpose}\n${code}`, 'utf8').digest('hex');
}

/** Constant time: how many leading characters matched must not show in the response time. */
export function macsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

export interface StoredCode {
  codeMac: string;
  expiresAt: Date;
  tries: number;
  usedAt?: Date | undefined;
}

export type CodeVerdict = 'ok' | 'wrong' | 'expired' | 'used' | 'exhausted' | 'none';

/**
 * Whether `code` is the stored one now. `tries` counts earlier attempts; an attempt after the
 * fifth is refused even with the right code. A malformed code is simply wrong (it still costs a try).
 */
export function judgeCode(
  stored: StoredCode | undefined,
  expectedMac: string,
  now: Date,
  maxTries = CODE_MAX_TRIES,
): CodeVerdict {
  if (!stored) return 'none';
  if (stored.usedAt) return 'used';
  if (stored.expiresAt.getTime() <= now.getTime()) return 'expired';
  if (stored.tries >= maxTries) return 'exhausted';
  return macsEqual(stored.codeMac, expectedMac) ? 'ok' : 'wrong';
}
