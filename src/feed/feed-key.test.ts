import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../test/databases.js';
import {
  RFC_7638_JWK,
  RFC_7638_THUMBPRINT,
  TEST_KEY_ECC_P256_PUBLIC,
  TEST_KEY_ED25519_PUBLIC,
} from '../../test/support/feed/rfc-examples.js';
import { ConfigError } from '../platform/config/config.js';
import { openDatabase } from '../platform/database/database.js';
import { keyIdOf, loadOrCreateFeedKey, parseFeedPublicKey } from './feed-key.js';

describe('the feed keyid', () => {
  it('is the RFC 7638 SHA-256 thumbprint (the RFC example key gives the RFC value)', async () => {
    const key = createPublicKey({ key: RFC_7638_JWK, format: 'jwk' });
    expect(await keyIdOf(key)).toBe(RFC_7638_THUMBPRINT);
  });

  it('of the RFC 9421 P-256 test key is stable and base64url', async () => {
    const keyid = await keyIdOf(createPublicKey(TEST_KEY_ECC_P256_PUBLIC));
    expect(keyid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await keyIdOf(parseFeedPublicKey(TEST_KEY_ECC_P256_PUBLIC))).toBe(keyid);
  });

  it('only P-256 public keys are feed keys', () => {
    expect(() => parseFeedPublicKey(TEST_KEY_ED25519_PUBLIC)).toThrow(/P-256/);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    expect(() => parseFeedPublicKey(p384.toString())).toThrow(/P-256/);
  });
});

describe.each(databaseKinds)('the feed key store on %s', (kind) => {
  let t: TestDatabase;
  const secret = randomBytes(32);

  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(() => t.dispose());
  beforeEach(async () => {
    await t.db.query('DELETE FROM feed_signing_key');
  });

  it('creates the key once and returns the same one afterwards', async () => {
    const first = await loadOrCreateFeedKey(t.db, secret);
    const again = await loadOrCreateFeedKey(t.db, secret);
    expect(again.keyid).toBe(first.keyid);
    expect(again.publicPem).toBe(first.publicPem);
    expect(first.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(await keyIdOf(first.publicKey)).toBe(first.keyid);
  });

  it('gives racing replicas one and the same key', async () => {
    const replicas = await Promise.all(
      Array.from({ length: 3 }, async () => {
        if (kind === 'pglite') return t.db;
        // A connection of its own per replica, so the inserts really race.
        return openDatabase({ databaseUrl: t.url, dataDir: t.dataDir, poolSize: 1 });
      }),
    );
    try {
      const keys = await Promise.all(replicas.map((db) => loadOrCreateFeedKey(db, secret)));
      expect(new Set(keys.map((key) => key.keyid)).size).toBe(1);
      const rows = await t.db.query('SELECT keyid FROM feed_signing_key');
      expect(rows.rowCount).toBe(1);
    } finally {
      if (kind === 'postgres') await Promise.all(replicas.map((db) => db.close()));
    }
  });

  it('stores the private key sealed, never in clear', async () => {
    await loadOrCreateFeedKey(t.db, secret);
    const row = await t.db.query<{ private_pem_sealed: string; public_pem: string }>(
      'SELECT private_pem_sealed, public_pem FROM feed_signing_key',
    );
    const stored = row.rows[0]!;
    expect(stored.private_pem_sealed).toMatch(/^v1:/);
    expect(stored.private_pem_sealed).not.toContain('PRIVATE KEY');
    expect(Buffer.from(stored.private_pem_sealed.split(':')[3]!, 'base64url').toString()).not.toContain(
      'PRIVATE',
    );
    expect(stored.public_pem).toContain('BEGIN PUBLIC KEY');
  });

  it('refuses to start with another secret key, naming the setting', async () => {
    await loadOrCreateFeedKey(t.db, secret);
    const attempt = loadOrCreateFeedKey(t.db, randomBytes(32));
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(loadOrCreateFeedKey(t.db, randomBytes(32))).rejects.toThrow(/^PATHWAYS_SECRET_KEY: /);
  });

  it('refuses a stored key whose halves do not belong together', async () => {
    await loadOrCreateFeedKey(t.db, secret);
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    await t.db.query('UPDATE feed_signing_key SET public_pem = $1, keyid = $2', [
      other.export({ type: 'spki', format: 'pem' }).toString(),
      await keyIdOf(other),
    ]);
    await expect(loadOrCreateFeedKey(t.db, secret)).rejects.toThrow(/not a pair/);
  });
});
