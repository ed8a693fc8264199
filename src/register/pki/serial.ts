/** Certificate serial numbers: random, positive, and one spelling for comparing them (pure). */
import { randomBytes } from 'node:crypto';

const SERIAL_BYTES = 16;

/**
 * 128 random bits but for the first byte, kept in 0x10–0x7f: positive (no sign byte), never a
 * leading zero digit, so the hex written, stored and read back is the same text. ≥ 124 bits of
 * entropy, well above the 64 the CA/Browser Forum asks for.
 */
export function randomSerial(random: (size: number) => Buffer = randomBytes): string {
  const bytes = random(SERIAL_BYTES);
  bytes[0] = 0x10 + ((bytes[0] ?? 0) % 0x70);
  return bytes.toString('hex');
}

/** Hex without separators, any case, leading zeros ignored → lower case; undefined if not hex. */
export function normaliseSerial(text: unknown): string | undefined {
  if (typeof text !== 'string' || !/^[0-9a-fA-F]{1,64}$/.test(text)) return undefined;
  const trimmed = text.toLowerCase().replace(/^0+/, '');
  return trimmed === '' ? '0' : trimmed;
}
