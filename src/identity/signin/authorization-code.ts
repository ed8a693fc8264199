/**
 * Authorization codes: issued by `/auth/mfa` (bound to the sign-in's PKCE challenge), redeemed
 * once by the token endpoint within 60 s. Only the SHA-256 of a code is stored.
 */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../platform/database/database.js';
import { Problem } from '../../platform/errors/problem.js';
import { randomToken, tokenHash, verifierMatches } from './pkce.js';

export const CODE_TTL_MS = 60_000;

export type CodeFailure = 'unknown' | 'reused' | 'expired' | 'pkce' | 'client' | 'redirect' | 'account';

/**
 * A code that cannot be redeemed. Carries 400 INVALID_VALUE so an unmapped error is still a
 * client error; the token endpoint maps it to OAuth `invalid_grant`. On `reused`, `codeId` and
 * `accountId` say which tokens to revoke (RFC 6749 section 4.1.2: tokens issued from a code that
 * is presented twice should be revoked).
 */
export class AuthorizationCodeError extends Problem {
  constructor(
    readonly reason: CodeFailure,
    readonly codeId?: string,
    readonly accountId?: string,
  ) {
    super('INVALID_VALUE', 'The authorization code is invalid, expired or already used', {
      expression: 'code',
    });
    this.name = 'AuthorizationCodeError';
  }
}

export interface IssueCodeInput {
  accountId: string;
  codeChallenge: string;
  clientId?: string | undefined;
  redirectUri?: string | undefined;
  scope?: string | undefined;
  amr: string[];
  authTime: Date;
  now: Date;
}

export async function issueAuthorizationCode(tx: Queryable, input: IssueCodeInput): Promise<string> {
  const code = randomToken();
  await tx.query(
    `INSERT INTO authorization_code
       (id, code_hash, account_id, code_challenge, client_id, redirect_uri, amr, auth_time, expires_at, scope)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::timestamptz, $9::timestamptz, $10)`,
    [
      randomUUID(),
      tokenHash(code),
      input.accountId,
      input.codeChallenge,
      input.clientId ?? null,
      input.redirectUri ?? null,
      input.amr,
      input.authTime.toISOString(),
      new Date(input.now.getTime() + CODE_TTL_MS).toISOString(),
      input.scope ?? null,
    ],
  );
  return code;
}

export interface RedeemInput {
  code: string;
  codeVerifier: string;
  /** Must equal the client the code was issued to, when it was issued to one. */
  clientId?: string | undefined;
  /** Must equal the redirect_uri of the authorization request, when it had one. */
  redirectUri?: string | undefined;
  now?: Date;
}

export interface RedeemedCode {
  /** The code's row id: tag the tokens issued from it, to revoke them if the code is replayed. */
  codeId: string;
  accountId: string;
  amr: string[];
  /** Epoch seconds of the sign-in (the token's `auth_time`). */
  authTime: number;
  clientId?: string;
  /** The scope the app asked for at /oauth2/authorize, if it asked. */
  scope?: string;
}

/**
 * Redeems a code once. The code is marked used before anything else is checked, so a failed
 * attempt burns it too (when the caller commits). Throws AuthorizationCodeError.
 */
export async function redeemAuthorizationCode(tx: Queryable, input: RedeemInput): Promise<RedeemedCode> {
  const now = input.now ?? new Date();
  const hash = tokenHash(input.code);
  const claimed = await tx.query(
    `UPDATE authorization_code SET used_at = $2::timestamptz WHERE code_hash = $1 AND used_at IS NULL
     RETURNING id, account_id, code_challenge, client_id, redirect_uri, amr, auth_time, expires_at, scope`,
    [hash, now.toISOString()],
  );
  const row = claimed.rows[0];
  if (!row) {
    const seen = await tx.query('SELECT id, account_id FROM authorization_code WHERE code_hash = $1', [hash]);
    const used = seen.rows[0];
    if (used) throw new AuthorizationCodeError('reused', String(used.id), String(used.account_id));
    throw new AuthorizationCodeError('unknown');
  }
  const codeId = String(row.id);
  const accountId = String(row.account_id);
  if (new Date(row.expires_at as string).getTime() <= now.getTime()) {
    throw new AuthorizationCodeError('expired', codeId, accountId);
  }
  if (!verifierMatches(input.codeVerifier, String(row.code_challenge))) {
    throw new AuthorizationCodeError('pkce', codeId, accountId);
  }
  if (row.client_id !== null && row.client_id !== input.clientId) {
    throw new AuthorizationCodeError('client', codeId, accountId);
  }
  if (row.redirect_uri !== null && row.redirect_uri !== input.redirectUri) {
    throw new AuthorizationCodeError('redirect', codeId, accountId);
  }
  // Suspended or locked since the code was issued: no tokens.
  const account = await tx.query('SELECT status, locked_until FROM account WHERE id = $1', [accountId]);
  const state = account.rows[0];
  const lockedUntil = state?.locked_until ? new Date(state.locked_until as string) : undefined;
  if (state?.status !== 'active' || (lockedUntil && lockedUntil.getTime() > now.getTime())) {
    throw new AuthorizationCodeError('account', codeId, accountId);
  }
  return {
    codeId,
    accountId,
    amr: (row.amr as string[]).slice(),
    authTime: Math.floor(new Date(row.auth_time as string).getTime() / 1000),
    ...(row.client_id !== null ? { clientId: String(row.client_id) } : {}),
    ...(row.scope !== null && row.scope !== undefined ? { scope: String(row.scope) } : {}),
  };
}
