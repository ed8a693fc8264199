/**
 * The feed key: one EC P-256 pair for every replica, created by whichever replica starts first.
 * Each replica generates a candidate and inserts it only if there is no key yet (one row, a
 * primary key, ON CONFLICT DO NOTHING), then reads back the row that won, so replicas racing at
 * the first start still all sign with the same key. The private half is sealed with the service
 * secret key and bound to this row's purpose, so a sealed value copied elsewhere does not open.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { ConfigError } from '../platform/config/config.js';
import { decryptSecret, encryptSecret, type SecretKey } from '../platform/crypto/secret-box.js';
import type { Queryable } from '../platform/database/database.js';

export interface FeedKey {
  /** RFC 7638 SHA-256 thumbprint of the public key, base64url: the signatures' `keyid`. */
  keyid: string;
  /** SPKI PEM, as served at /pki/feed.pem. */
  publicPem: string;
  publicKey: KeyObject;
  privateKey: KeyObject;
}

const SEAL_CONTEXT = 'feed-signing-key';

interface KeyRow {
  keyid: string;
  public_pem: string;
  private_pem_sealed: string;
}

/** The feed key, created on first use (safe when replicas start at the same time). */
export async function loadOrCreateFeedKey(db: Queryable, secretKey: SecretKey): Promise<FeedKey> {
  let row = await readRow(db);
  if (!row) {
    const candidate = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const publicPem = candidate.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const privatePem = candidate.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await db.query(
      `INSERT INTO feed_signing_key (slot, keyid, public_pem, private_pem_sealed)
       VALUES ('current', $1, $2, $3) ON CONFLICT (slot) DO NOTHING`,
      [await keyIdOf(candidate.publicKey), publicPem, encryptSecret(secretKey, privatePem, SEAL_CONTEXT)],
    );
    row = await readRow(db);
    if (!row) throw new Error('feed: the signing key was neither inserted nor found');
  }
  return openRow(row, secretKey);
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url) of a public key. */
export function keyIdOf(publicKey: KeyObject): Promise<string> {
  return calculateJwkThumbprint(publicKey.export({ format: 'jwk' }) as JWK, 'sha256');
}

/** A public key from PEM (SPKI), checked to be the feed's kind: EC P-256. */
export function parseFeedPublicKey(pem: string): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('the feed key must be an EC P-256 public key');
  }
  return key;
}

async function readRow(db: Queryable): Promise<KeyRow | undefined> {
  const result = await db.query<KeyRow>(
    `SELECT keyid, public_pem, private_pem_sealed FROM feed_signing_key WHERE slot = 'current'`,
  );
  return result.rows[0];
}

async function openRow(row: KeyRow, secretKey: SecretKey): Promise<FeedKey> {
  let privatePem: string;
  try {
    privatePem = decryptSecret(secretKey, row.private_pem_sealed, SEAL_CONTEXT).toString('utf8');
  } catch {
    // Every replica must share the key that sealed it; say which setting to look at.
    throw new ConfigError(
      'PATHWAYS_SECRET_KEY',
      'cannot open the stored ePMS feed signing key: this is not the secret key it was sealed with',
    );
  }
  const publicKey = parseFeedPublicKey(row.public_pem);
  const privateKey = createPrivateKey(privatePem);
  if ((await keyIdOf(publicKey)) !== row.keyid) throw new Error('feed: stored keyid does not match its key');
  const probe = Buffer.from(`${SEAL_CONTEXT}:${row.keyid}`);
  if (!verify('sha256', probe, publicKey, sign('sha256', probe, privateKey))) {
    throw new Error('feed: the stored private and public keys are not a pair');
  }
  return { keyid: row.keyid, publicPem: row.public_pem, publicKey, privateKey };
}
