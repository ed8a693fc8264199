/**
 * Encryption at rest for small secrets (TOTP seeds, remote-signing keys): AES-256-GCM under one
 * service key. The ciphertext names its format version so the scheme or key can change later
 * without guessing what an old row holds. Optional associated data binds a ciphertext to its row
 * (e.g. `account:<id>:totp`), so a secret copied into another row does not decrypt there.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config/config.js';

/** A 32-byte AES-256 key. */
export type SecretKey = Buffer;

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

/** `v1:<iv>:<tag>:<ciphertext>`, each part base64url. */
export function encryptSecret(key: SecretKey, plaintext: string | Buffer, aad?: string): string {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  if (aad !== undefined) cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const parts = [iv, cipher.getAuthTag(), body].map((part) => part.toString('base64url'));
  return [VERSION, ...parts].join(':');
}

/** Throws SecretBoxError when the text is malformed, tampered with, or sealed under another key. */
export function decryptSecret(key: SecretKey, sealed: string, aad?: string): Buffer {
  checkKey(key);
  const parts = sealed.split(':');
  if (parts.length !== 4 || parts[0] !== VERSION) throw new SecretBoxError('unknown ciphertext format');
  const [iv, tag, body] = parts.slice(1).map((part) => Buffer.from(part, 'base64url'));
  if (!iv || iv.length !== IV_BYTES || !tag || tag.length !== TAG_BYTES || !body) {
    throw new SecretBoxError('malformed ciphertext');
  }
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  if (aad !== undefined) decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    // GCM says only "unable to authenticate": wrong key, wrong associated data or altered bytes.
    throw new SecretBoxError('ciphertext does not authenticate (wrong key or altered)');
  }
}

/**
 * The service key: `PATHWAYS_SECRET_KEY` (base64 of 32 bytes) when set, else
 * `<dataDir>/keys/secret.key`, created on first use with mode 0600. Replicas that do not share a
 * DATA_DIR (PostgreSQL deployments) must all be given the same PATHWAYS_SECRET_KEY.
 */
export function loadSecretKey(options: {
  dataDir: string;
  env?: Record<string, string | undefined>;
}): SecretKey {
  const fromEnv = options.env?.PATHWAYS_SECRET_KEY?.trim();
  if (fromEnv) return parseKey(fromEnv, 'PATHWAYS_SECRET_KEY');
  const file = path.join(options.dataDir, 'keys', 'secret.key');
  try {
    return parseKey(readFileSync(file, 'utf8').trim(), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // Written aside and hard-linked into place: two processes starting together end up with the
  // same key (the second link fails and that process reads the winner's file), never a torn one.
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(aside, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(aside, 0o600);
  try {
    linkSync(aside, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(aside, { force: true });
  }
  return parseKey(readFileSync(file, 'utf8').trim(), file);
}

function parseKey(base64: string, source: string): SecretKey {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== KEY_BYTES || !/^[A-Za-z0-9+/]+=*$/.test(base64)) {
    throw new ConfigError(source, `must be ${KEY_BYTES} bytes in base64 (e.g. \`openssl rand -base64 32\`)`);
  }
  return key;
}

function checkKey(key: SecretKey): void {
  if (key.length !== KEY_BYTES) throw new SecretBoxError(`the key must be ${KEY_BYTES} bytes`);
}
