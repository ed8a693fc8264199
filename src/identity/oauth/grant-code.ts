/**
 * grant_type=authorization_code: the sign-in module redeems the code (single use, PKCE S256) and
 * this starts a refresh family carrying the sign-in's auth_time and amr.
 *
 * A failed redemption still commits: the sign-in module may have spent the code or counted the
 * failure, and rolling that back would let a caller guess code_verifiers against one code.
 */
import type { Queryable } from '../../platform/database/database.js';
import { Problem } from '../../platform/errors/problem.js';
import { userScope } from './claims.js';
import {
  type AccountDirectory,
  type DirectoryAccount,
  epochSeconds,
  type RedeemedCode,
} from './directory.js';
import {
  activeAccount,
  type Form,
  type GrantDeps,
  required,
  type TokenResponse,
  tokensFor,
  userAgent,
} from './grants.js';
import { OAuthError } from './oauth-error.js';
import { startFamily } from './refresh.js';

type Outcome =
  | { ok: true; response: TokenResponse; account: DirectoryAccount }
  | { ok: false; error: OAuthError; accountId?: string };

export async function authorizationCodeGrant(
  deps: GrantDeps,
  form: Form,
  ip?: string,
): Promise<TokenResponse> {
  const code = required(form, 'code');
  const codeVerifier = required(form, 'code_verifier');
  const clientId = form.client_id || undefined;
  const outcome = await deps.db.transaction(async (tx): Promise<Outcome> => {
    const redeemed = await redeem(deps.directory, tx, {
      code,
      codeVerifier,
      ...(clientId ? { clientId } : {}),
      ...(form.redirect_uri ? { redirectUri: form.redirect_uri } : {}),
    });
    if (redeemed instanceof OAuthError) return { ok: false, error: redeemed };
    let account: DirectoryAccount;
    try {
      account = await activeAccount(deps, tx, redeemed.accountId);
    } catch (error) {
      if (error instanceof OAuthError) return { ok: false, error, accountId: redeemed.accountId };
      throw error;
    }
    const { family, token } = await startFamily(tx, {
      accountId: account.id,
      clientId: clientId ?? null,
      scope: userScope(account.role),
      authTime: epochSeconds(redeemed.authTime),
      amr: redeemed.amr,
    });
    return { ok: true, response: await tokensFor(deps, account, family, token), account };
  });
  if (!outcome.ok) {
    await deps.audit.record({
      subtype: 'login',
      outcome: '4',
      agent: {
        display: outcome.accountId ? `account ${outcome.accountId}` : 'unidentified',
        ...(ip ? { ip } : {}),
      },
      detail: `authorization code refused: ${outcome.error.description}`,
    });
    throw outcome.error;
  }
  await deps.audit.record({
    subtype: 'login',
    outcome: '0',
    agent: userAgent(outcome.account, ip),
    detail: 'access token issued (authorization_code)',
  });
  return outcome.response;
}

async function redeem(
  directory: AccountDirectory,
  tx: Queryable,
  input: Parameters<AccountDirectory['redeemCode']>[1],
): Promise<RedeemedCode | OAuthError> {
  try {
    const redeemed = await directory.redeemCode(tx, input);
    return (
      redeemed ??
      new OAuthError(
        'invalid_grant',
        'the code is invalid, expired or used, or the code_verifier does not match',
      )
    );
  } catch (error) {
    if (error instanceof Problem && error.status < 500) {
      return new OAuthError('invalid_grant', error.issues[0]!.diagnostics);
    }
    throw error;
  }
}
