/**
 * The authorisation server's token-signing keys: ES256 pairs kept in the database (private half
 * sealed by the injected cipher) so that every replica signs with the same active key and
 * publishes the same JWKS. Each replica caches the keys and re-reads them every `refreshMs`, and
 * at once when asked for a `kid` it does not know (another replica has just rotated).
 */

import type { webcrypto } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { ACCESS_TOKEN_TTL_S } from '../../platform/auth/principal.js';
import type { Database, Queryable } from '../../platform/database/database.js';

export const SIGNING_ALG = 'ES256';

/** Seals the private JWK at rest. The integrator passes the application's secret box. */
export interface KeyCipher {
  encrypt(plaintext: string): string | Promise<string>;
  decrypt(sealed: string): string | Promise<string>;
}

export interface KeyStoreOptions {
  db: Database;
  cipher: KeyCipher;
  /** How often a replica re-reads the keys (picks up another replica's rotation). */
  refreshMs?: number;
  now?: () => number;
}

/** A public key as published (with `kid`, `alg`, `use`). */
export type PublicJwk = JWK & { kid: string; alg: string; use: 'sig' };

type VerifyKey = Awaited<ReturnType<typeof importJWK>>;

interface LoadedKey {
  kid: string;
  publicJwk: PublicJwk;
  verifyKey: VerifyKey;
  active: boolean;
}

const DEFAULT_REFRESH_MS = 60_000;
/** A `kid` nobody knows triggers at most one re-read per this interval (no DB hammering). */
const UNKNOWN_KID_REREAD_MS = 5_000;

/**
 * How long a retired key stays in the JWKS: the longest token it can have signed is issued by a
 * replica that has not yet noticed the rotation (up to one refresh interval later) and lives
 * ACCESS_TOKEN_TTL_S; add a margin for clock skew. Pathways issues no ID tokens today; any added
 * later must not outlive ACCESS_TOKEN_TTL_S or this must grow.
 */
export function retentionSeconds(refreshMs: number): number {
  return ACCESS_TOKEN_TTL_S + Math.ceil(refreshMs / 1000) + 10 * 60;
}

export class KeyStore {
  private readonly db: Database;
  private readonly cipher: KeyCipher;
  private readonly refreshMs: number;
  private readonly now: () => number;
  private keys: LoadedKey[] = [];
  private signing: { kid: string; key: webcrypto.CryptoKey } | undefined;
  private loadedAt = Number.NEGATIVE_INFINITY;
  private lastUnknownReread = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | undefined;

  constructor(options: KeyStoreOptions) {
    this.db = options.db;
    this.cipher = options.cipher;
    this.refreshMs = options.refreshMs ?? DEFAULT_REFRESH_MS;
    this.now = options.now ?? Date.now;
  }

  /** Creates the first key when there is none (call at start; safe on racing replicas). */
  async ensureActiveKey(): Promise<void> {
    await this.db.transaction(async (tx) => {
      const active = await tx.query('SELECT 1 FROM oauth_signing_key WHERE retired_at IS NULL');
      if (active.rowCount === 0) await this.insertKey(tx, true);
    });
    await this.reload();
  }

  /**
   * Makes a new active key; the old one stops signing and stays published until every token it
   * signed has expired. Keys past that point are deleted. Returns the new kid.
   */
  async rotate(): Promise<string> {
    const retention = retentionSeconds(this.refreshMs);
    const kid = await this.db.transaction(async (tx) => {
      // Serialise rotations (two operators, two replicas): the loser waits, then rotates again.
      await tx.query('SELECT pg_advisory_xact_lock($1)', [7_301_006]);
      const at = new Date(this.now());
      await tx.query(
        `UPDATE oauth_signing_key SET retired_at = $1, expires_at = $1::timestamptz + make_interval(secs => $2)
         WHERE retired_at IS NULL`,
        [at, retention],
      );
      await tx.query('DELETE FROM oauth_signing_key WHERE expires_at < $1', [at]);
      return this.insertKey(tx, false);
    });
    await this.reload();
    return kid;
  }

  /**
   * The active signing key. Once a key is loaded a stale cache is re-read in the background
   * instead of awaited: tokens are issued inside transactions, and on PGlite (one connection) a
   * read awaited there would queue behind the very transaction waiting for it, forever.
   */
  async signingKey(): Promise<{ kid: string; key: webcrypto.CryptoKey }> {
    if (this.signing) {
      if (this.now() - this.loadedAt >= this.refreshMs) {
        this.reload().catch(() => {
          // The next call tries again; the cached key stays valid until its retention ends.
        });
      }
      return this.signing;
    }
    await this.freshen();
    if (!this.signing) {
      await this.ensureActiveKey();
      if (!this.signing) throw new Error('oauth: no active signing key');
    }
    return this.signing;
  }

  /** The JWKS to publish: the active key and retired keys whose tokens may still be live. */
  async publicJwks(): Promise<{ keys: PublicJwk[] }> {
    await this.freshen();
    return { keys: this.keys.map((key) => key.publicJwk) };
  }

  /**
   * A jose key resolver for verifying Pathways tokens (`jwtVerify(token, keys.resolveKey)`):
   * finds the key by `kid`, re-reading once when the kid is new to this replica.
   */
  readonly resolveKey = async (header: { kid?: string; alg?: string }): Promise<VerifyKey> => {
    if (header.alg !== SIGNING_ALG) throw new Error('oauth: unexpected token algorithm');
    await this.freshen();
    let found = this.keys.find((key) => key.kid === header.kid);
    if (!found && this.now() - this.lastUnknownReread >= UNKNOWN_KID_REREAD_MS) {
      this.lastUnknownReread = this.now();
      await this.reload();
      found = this.keys.find((key) => key.kid === header.kid);
    }
    if (!found) throw new Error('oauth: unknown key id');
    return found.verifyKey;
  };

  private async freshen(): Promise<void> {
    if (this.now() - this.loadedAt >= this.refreshMs) await this.reload();
  }

  /** Re-reads the keys; concurrent callers share one read. */
  private reload(): Promise<void> {
    this.loading ??= this.read().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async read(): Promise<void> {
    const result = await this.db.query<{
      kid: string;
      public_jwk: PublicJwk;
      private_jwk_sealed: string;
      active: boolean;
    }>(
      `SELECT kid, public_jwk, private_jwk_sealed, retired_at IS NULL AS active FROM oauth_signing_key
       WHERE expires_at IS NULL OR expires_at > $1 ORDER BY created_at DESC`,
      [new Date(this.now())],
    );
    const keys: LoadedKey[] = [];
    let signing: { kid: string; key: webcrypto.CryptoKey } | undefined;
    for (const row of result.rows) {
      const publicJwk = typeof row.public_jwk === 'string' ? JSON.parse(row.public_jwk) : row.public_jwk;
      keys.push({
        kid: row.kid,
        publicJwk,
        verifyKey: await importJWK(publicJwk, SIGNING_ALG),
        active: row.active,
      });
      if (row.active) {
        // Decrypt only the one key that signs; an unchanged active key is not decrypted again.
        const key =
          this.signing?.kid === row.kid
            ? this.signing.key
            : ((await importJWK(
                JSON.parse(await this.cipher.decrypt(row.private_jwk_sealed)),
                SIGNING_ALG,
              )) as webcrypto.CryptoKey);
        signing = { kid: row.kid, key };
      }
    }
    this.keys = keys;
    this.signing = signing;
    this.loadedAt = this.now();
  }

  private async insertKey(tx: Queryable, ifNoneActive: boolean): Promise<string> {
    const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
    const publicPart = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicPart);
    const publicJwk: PublicJwk = { ...publicPart, kid, alg: SIGNING_ALG, use: 'sig' };
    const sealed = await this.cipher.encrypt(JSON.stringify(await exportJWK(privateKey)));
    // ON CONFLICT: another replica created the first key at the same moment; theirs stands.
    await tx.query(
      `INSERT INTO oauth_signing_key (kid, alg, public_jwk, private_jwk_sealed, created_at)
       VALUES ($1, $2, $3, $4, $5) ${ifNoneActive ? 'ON CONFLICT DO NOTHING' : ''}`,
      [kid, SIGNING_ALG, JSON.stringify(publicJwk), sealed, new Date(this.now())],
    );
    return kid;
  }
}
