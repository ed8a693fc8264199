/**
 * The key pseudonyms are made with. It is never stored in the database: either PSEUDONYM_KEY
 * (base64 of at least 32 bytes; set the same on every replica, and keep it as long as pseudonyms
 * must stay comparable across exports), or derived with HKDF from the service's secret key
 * (PATHWAYS_SECRET_KEY or its key file in DATA_DIR), which is kept out of the database already.
 */
import { createHmac, hkdfSync } from 'node:crypto';
import { ConfigError, type Env, text } from '../../platform/config/config.js';
import type { Pseudonym } from './pseudonymise.js';

const MIN_KEY_BYTES = 32;

export function pseudonymKey(env: Env, secretKey: Uint8Array): Buffer {
  const configured = text(env, 'PSEUDONYM_KEY');
  if (configured !== undefined) {
    const key = Buffer.from(configured, 'base64');
    if (key.length < MIN_KEY_BYTES || !/^[A-Za-z0-9+/]+={0,2}$/.test(configured)) {
      throw new ConfigError('PSEUDONYM_KEY', `must be base64 of at least ${MIN_KEY_BYTES} bytes`);
    }
    return key;
  }
  return Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), 'pathways pseudonym key v1', 32));
}

/** HMAC-SHA-256 of domain and value, 128 bits in hex: a valid FHIR id, stable under one key. */
export function pseudonymFunction(key: Uint8Array): Pseudonym {
  const cache = new Map<string, string>();
  return (domain, value) => {
    const input = `${domain}\u0000${value}`;
    let result = cache.get(input);
    if (result === undefined) {
      result = createHmac('sha256', key).update(input).digest('hex').slice(0, 32);
      if (cache.size > 100_000) cache.clear();
      cache.set(input, result);
    }
    return result;
  };
}
