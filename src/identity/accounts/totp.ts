/** TOTP (RFC 6238: SHA-1, 6 digits, 30 s steps) as every authenticator app expects it. */
import { Secret, TOTP } from 'otpauth';

const PERIOD_S = 30;

export function generateTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totp(base32: string): TOTP {
  return new TOTP({ secret: Secret.fromBase32(base32), algorithm: 'SHA1', digits: 6, period: PERIOD_S });
}

/** The current code (demo banner, tests). */
export function currentTotp(base32: string, at: Date = new Date()): string {
  return totp(base32).generate({ timestamp: at.getTime() });
}

/**
 * The time step the code belongs to when it is valid now or one step either side (clock drift),
 * else undefined. The caller records the step so the same code is not accepted twice.
 */
export function matchTotp(base32: string, otp: string, at: Date): number | undefined {
  if (!/^\d{6}$/.test(otp)) return undefined;
  const delta = totp(base32).validate({ token: otp, timestamp: at.getTime(), window: 1 });
  if (delta === null) return undefined;
  return Math.floor(at.getTime() / 1000 / PERIOD_S) + delta;
}
