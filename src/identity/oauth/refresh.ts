/**
 * Rotating refresh tokens (RFC 9700 section 4.14.2). Each sign-in starts a family; each use of a
 * token spends it and returns its successor. Presenting a spent token means two parties hold the
 * family (one of them stolen it), and we cannot tell which is legitimate, so the whole family is
 * revoked — the newest token dies too — and the caller audits it.
 *
 * Lifetimes: 8 h absolute (a clinical shift; then sign in again with MFA) and 30 min idle (an
 * unattended workstation's session ends soon after its last access token expired).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Queryable } from '../../platform/database/database.js';
import { MAX_ACCESS_TOKEN_TTL_S } from './claims.js';

export const REFRESH_ABSOLUTE_S = 8 * 60 * 60;
export const REFRESH_IDLE_S = 30 * 60;

export interface RefreshFamily {
  id: string;
  accountId: string;
  clientId: string | null;
  scope: string;
  /** Epoch seconds of the original sign-in. */
  authTime: number;
  amr: string[];
}

export type RefreshOutcome =
  | { ok: true; family: RefreshFamily; token: string }
  | { ok: false; reason: 'unknown' | 'expired' | 'revoked' | 'client-mismatch' }
  | { ok: false; reason: 'reused'; family: RefreshFamily };

/** 256 bits from the CSPRNG, base64url: opaque, unguessable, never stored in clear. */
export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashRefreshToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export async function startFamily(
  tx: Queryable,
  input: Omit<RefreshFamily, 'id'> & { codeId?: string | undefined; source?: string | undefined },
  now = new Date(),
): Promise<{ family: RefreshFamily; token: string }> {
  const { codeId, source, ...rest } = input;
  const family: RefreshFamily = { id: randomUUID(), ...rest };
  await tx.query(
    `INSERT INTO oauth_refresh_family (id, account_id, client_id, scope, auth_time, amr, created_at, expires_at, code_id, source)
     VALUES ($1, $2, $3, $4, to_timestamp($5), $6::text[], $7, $7::timestamptz + make_interval(secs => $8), $9, $10)`,
    [
      family.id,
      family.accountId,
      family.clientId,
      family.scope,
      family.authTime,
      family.amr,
      now,
      REFRESH_ABSOLUTE_S,
      codeId ?? null,
      source ?? null,
    ],
  );
  return { family, token: await addToken(tx, family.id, now) };
}

async function addToken(tx: Queryable, familyId: string, now: Date): Promise<string> {
  const token = newRefreshToken();
  await tx.query(
    `INSERT INTO oauth_refresh_token (token_hash, family_id, created_at, idle_expires_at)
     VALUES ($1, $2, $3, $3::timestamptz + make_interval(secs => $4))`,
    [hashRefreshToken(token), familyId, now, REFRESH_IDLE_S],
  );
  return token;
}

interface Row {
  family_id: string;
  used_at: Date | null;
  idle_expired: boolean;
  account_id: string;
  client_id: string | null;
  scope: string;
  auth_time: number;
  amr: string[];
  family_expired: boolean;
  revoked: boolean;
}

/**
 * Spends `presented` and returns its successor. Must run in a transaction that commits even when
 * the outcome is a failure: a detected reuse revokes the family, and that must stick.
 */
export async function rotateRefreshToken(
  tx: Queryable,
  presented: string,
  options: { clientId?: string; now?: Date } = {},
): Promise<RefreshOutcome> {
  const now = options.now ?? new Date();
  // FOR UPDATE: two requests racing with the same token are serialised; the second sees it
  // spent and is treated as reuse.
  const result = await tx.query<Row>(
    `SELECT t.family_id, t.used_at, t.idle_expires_at <= $2 AS idle_expired,
            f.account_id, f.client_id, f.scope, extract(epoch FROM f.auth_time)::float8 AS auth_time,
            f.amr, f.expires_at <= $2 AS family_expired, f.revoked_at IS NOT NULL AS revoked
       FROM oauth_refresh_token t JOIN oauth_refresh_family f ON f.id = t.family_id
      WHERE t.token_hash = $1
      FOR UPDATE`,
    [hashRefreshToken(presented), now],
  );
  const row = result.rows[0];
  if (!row) return { ok: false, reason: 'unknown' };
  const family: RefreshFamily = {
    id: row.family_id,
    accountId: row.account_id,
    clientId: row.client_id,
    scope: row.scope,
    authTime: Math.floor(Number(row.auth_time)),
    amr: row.amr,
  };
  if (row.revoked) return { ok: false, reason: 'revoked' };
  if (row.used_at !== null) {
    await revokeFamily(tx, family.id, 'reuse');
    return { ok: false, reason: 'reused', family };
  }
  if (row.family_expired || row.idle_expired) return { ok: false, reason: 'expired' };
  if (options.clientId !== undefined && options.clientId !== (family.clientId ?? undefined)) {
    return { ok: false, reason: 'client-mismatch' };
  }
  await tx.query('UPDATE oauth_refresh_token SET used_at = $2 WHERE token_hash = $1', [
    hashRefreshToken(presented),
    now,
  ]);
  return { ok: true, family, token: await addToken(tx, family.id, now) };
}

/**
 * revoked_at is always the database's clock, whichever process revokes: replicas poll by it
 * (revocations.ts), so it must not depend on one process's clock or a test's.
 */
export async function revokeFamily(tx: Queryable, familyId: string, reason: string) {
  await tx.query(
    'UPDATE oauth_refresh_family SET revoked_at = now(), revoked_reason = $2 WHERE id = $1 AND revoked_at IS NULL',
    [familyId, reason],
  );
}

/**
 * Revokes every live refresh token of an account (service desk suspend, lockout, password reset),
 * and with them the access tokens issued from them (their `sid`, revocations.ts). Returns the
 * number of families revoked.
 */
export async function revokeAllForAccount(
  tx: Queryable,
  accountId: string,
  reason = 'account-suspended',
): Promise<number> {
  const result = await tx.query(
    'UPDATE oauth_refresh_family SET revoked_at = now(), revoked_reason = $2 WHERE account_id = $1 AND revoked_at IS NULL',
    [accountId, reason],
  );
  return result.rowCount;
}

/**
 * Revokes the account's sessions started from one client address (`source`, as sourceOf gives
 * it): that address has just been locked out of the account's username.
 */
export async function revokeFamiliesFrom(
  tx: Queryable,
  accountId: string,
  source: string,
  reason = 'address-locked',
): Promise<number> {
  const result = await tx.query(
    `UPDATE oauth_refresh_family SET revoked_at = now(), revoked_reason = $3
      WHERE account_id = $1 AND source = $2 AND revoked_at IS NULL`,
    [accountId, source, reason],
  );
  return result.rowCount;
}

/** Revokes the tokens issued from an authorization code that was presented again. */
export async function revokeFamiliesOfCode(tx: Queryable, codeId: string): Promise<number> {
  const result = await tx.query(
    `UPDATE oauth_refresh_family SET revoked_at = now(), revoked_reason = 'code-reuse'
      WHERE code_id = $1 AND revoked_at IS NULL`,
    [codeId],
  );
  return result.rowCount;
}

/**
 * Deletes families past their absolute lifetime and the life of the last access token they can
 * have issued (a housekeeping job may call it): until then a suspension must still find them.
 */
export async function pruneRefreshFamilies(tx: Queryable, now = new Date()): Promise<number> {
  const result = await tx.query('DELETE FROM oauth_refresh_family WHERE expires_at <= $1', [
    new Date(now.getTime() - MAX_ACCESS_TOKEN_TTL_S * 1000),
  ]);
  return result.rowCount;
}
