/** Byte and text encodings, strict on input: a signature must have exactly one spelling. */
import { Buffer } from 'node:buffer';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Undefined when the bytes are not valid UTF-8. */
export function fromUtf8(bytes: Uint8Array): string | undefined {
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/** Padded standard base64 only (no whitespace, no URL alphabet); undefined otherwise. */
export function fromBase64(text: string): Uint8Array | undefined {
  if (text.length === 0 || !BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  // Non-zero bits in the final padding position would give a second spelling of the same bytes.
  return bytes.toString('base64') === text ? new Uint8Array(bytes) : undefined;
}

export function toBase64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

/** Unpadded base64url only; undefined otherwise. */
export function fromBase64url(text: string): Uint8Array | undefined {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? new Uint8Array(bytes) : undefined;
}
