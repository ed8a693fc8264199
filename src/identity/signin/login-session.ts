/**
 * The pending sign-in between the password and the code: a random handle (stored hashed), single
 * use, valid 5 minutes, carrying the PKCE challenge (and client) the authorization code is bound to.
 * A wrong code leaves the handle usable (the person may mistype); lockout bounds the guesses.
 * Sending an SMS code extends the handle to the code's 10 minutes, since texts can be slow.
 */
import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../../platform/database/database.js';
import { type AccountCredentials, credentialsById } from '../accounts/store.js';
import type { CodeKey } from '../enrolment/code-rules.js';
import { type CodeRef, spendCode } from '../enrolment/one-time-codes.js';
import { issueAuthorizationCode } from './authorization-code.js';
import { randomToken, tokenHash } from './pkce.js';

export const LOGIN_TTL_MS = 5 * 60_000;
/** Old codes are kept a day so a late replay is still recognised (and reported) as a reuse. */
const CODE_RETENTION_MS = 24 * 3600_000;

export interface LoginSession {
  id: string;
  account: AccountCredentials;
  codeChallenge: string;
  clientId?: string;
  redirectUri?: string;
  scope?: string;
}

export async function createLogin(
  db: Queryable,
  input: {
    accountId: string;
    codeChallenge: string;
    clientId?: string | undefined;
    redirectUri?: string | undefined;
    scope?: string | undefined;
    now: Date;
  },
): Promise<string> {
  const handle = randomToken();
  // This account's finished or stale sign-ins are of no further use; clearing them here keeps the
  // table small without a sweeper job.
  await db.query(
    'DELETE FROM login_session WHERE account_id = $1 AND (used OR expires_at < $2::timestamptz)',
    [input.accountId, input.now.toISOString()],
  );
  await db.query(
    `INSERT INTO login_session (id, handle_hash, account_id, code_challenge, client_id, redirect_uri, expires_at, scope)
     VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz, $8)`,
    [
      randomUUID(),
      tokenHash(handle),
      input.accountId,
      input.codeChallenge,
      input.clientId ?? null,
      input.redirectUri ?? null,
      new Date(input.now.getTime() + LOGIN_TTL_MS).toISOString(),
      input.scope ?? null,
    ],
  );
  return handle;
}

/** The live (unused, unexpired) sign-in a handle names, with its account. */
export async function findLogin(db: Queryable, handle: string, now: Date): Promise<LoginSession | undefined> {
  const result = await db.query(
    `SELECT id, account_id, code_challenge, client_id, redirect_uri, scope FROM login_session
     WHERE handle_hash = $1 AND NOT used AND expires_at > $2::timestamptz`,
    [tokenHash(handle), now.toISOString()],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  const account = await credentialsById(db, String(row.account_id));
  if (!account) return undefined;
  return {
    id: String(row.id),
    account,
    codeChallenge: String(row.code_challenge),
    ...(row.client_id !== null ? { clientId: String(row.client_id) } : {}),
    ...(row.redirect_uri !== null ? { redirectUri: String(row.redirect_uri) } : {}),
    ...(row.scope !== null && row.scope !== undefined ? { scope: String(row.scope) } : {}),
  };
}

/** Where the SMS code of a sign-in is kept (one_time_code). */
export const smsCodeRef = (session: Pick<LoginSession, 'id'>): CodeRef => ({
  subject: `login:${session.id}`,
  purpose: 'sign-in',
});

/** Keeps the handle usable at least until `until` (an SMS code was just sent). */
export async function extendLogin(
  db: Queryable,
  session: Pick<LoginSession, 'id'>,
  until: Date,
): Promise<void> {
  await db.query(
    'UPDATE login_session SET expires_at = GREATEST(expires_at, $2::timestamptz) WHERE id = $1 AND NOT used',
    [session.id, until.toISOString()],
  );
}

class Replayed extends Error {}

export type ConsumeOutcome = { kind: 'ok'; code: string } | { kind: 'replayed' } | { kind: 'gone' };

/** What the second factor proved: a TOTP step (recorded against replay) or the sign-in's SMS code. */
export type SecondFactor = { kind: 'totp'; step: number } | { kind: 'sms'; code: string; key: CodeKey };

const AMR: Record<SecondFactor['kind'], string[]> = {
  totp: ['pwd', 'otp'],
  // RFC 8176: an SMS code is a one-time password (`otp`, so step-up accepts it) sent by text (`sms`).
  sms: ['pwd', 'otp', 'sms'],
};

/**
 * Completes a sign-in whose second factor matched: uses up the handle, uses up the factor (a TOTP
 * step already used, or an SMS code used meanwhile, rolls back and leaves the handle usable),
 * resets the failure count and issues the authorization code — all or nothing.
 */
export async function consumeLogin(
  db: Database,
  session: LoginSession,
  factor: SecondFactor,
  now: Date,
  /** Runs in the completing transaction (forgetting the failure counts). */
  onSuccess?: (tx: Queryable) => Promise<void>,
): Promise<ConsumeOutcome> {
  const accountId = session.account.id;
  try {
    return await db.transaction(async (tx): Promise<ConsumeOutcome> => {
      const claimed = await tx.query(
        'UPDATE login_session SET used = true WHERE id = $1 AND NOT used AND expires_at > $2::timestamptz',
        [session.id, now.toISOString()],
      );
      if (claimed.rowCount === 0) return { kind: 'gone' };
      if (factor.kind === 'totp') {
        const fresh = await tx.query(
          'INSERT INTO totp_used (account_id, counter) VALUES ($1, $2) ON CONFLICT DO NOTHING',
          [accountId, factor.step],
        );
        if (fresh.rowCount === 0) throw new Replayed();
        // Steps older than the validation window can never match again; they need not be kept.
        await tx.query('DELETE FROM totp_used WHERE account_id = $1 AND counter < $2', [
          accountId,
          factor.step - 2,
        ]);
      } else if (!(await spendCode(tx, factor.key, smsCodeRef(session), factor.code, now))) {
        throw new Replayed();
      }
      await tx.query(
        'UPDATE account SET failed_count = 0, locked_until = NULL, updated_at = now() WHERE id = $1',
        [accountId],
      );
      await onSuccess?.(tx);
      await tx.query(
        'DELETE FROM authorization_code WHERE account_id = $1 AND expires_at < $2::timestamptz',
        [accountId, new Date(now.getTime() - CODE_RETENTION_MS).toISOString()],
      );
      const code = await issueAuthorizationCode(tx, {
        accountId,
        codeChallenge: session.codeChallenge,
        clientId: session.clientId,
        redirectUri: session.redirectUri,
        scope: session.scope,
        amr: AMR[factor.kind],
        authTime: now,
        now,
      });
      return { kind: 'ok', code };
    });
  } catch (error) {
    if (error instanceof Replayed) return { kind: 'replayed' };
    throw error;
  }
}
