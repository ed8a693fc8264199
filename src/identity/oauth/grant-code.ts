/**
 * grant_type=authorization_code: the sign-in module redeems the code (single use, PKCE S256) and
 * this starts a refresh family carrying the sign-in's auth_time and amr.
 *
 * A failed redemption still commits: the sign-in module may have spent the code or counted the
 * failure, and rolling that back would let a caller guess code_verifiers against one code.
 */

import { grantUserScope } from '../../platform/auth/smart-scopes.js';
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
import { revokeFamiliesOfCode, startFamily } from './refresh.js';
import { sourceOf } from './source-address.js';

type Outcome =
  | { ok: true; response: TokenResponse; account: DirectoryAccount }
  | { ok: false; error: OAuthError; accountId?: string; replayRevoked?: number };

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
    if (redeemed instanceof CodeRefused) {
      // A code presented twice: whoever holds the tokens from its first use may be an attacker.
      const replayRevoked = redeemed.replayedCodeId
        ? await revokeFamiliesOfCode(tx, redeemed.replayedCodeId)
        : 0;
      return {
        ok: false,
        error: redeemed.error,
        ...(redeemed.accountId ? { accountId: redeemed.accountId } : {}),
        ...(redeemed.replayedCodeId ? { replayRevoked } : {}),
      };
    }
    let account: DirectoryAccount;
    try {
      account = await activeAccount(deps, tx, redeemed.accountId);
    } catch (error) {
      if (error instanceof OAuthError) return { ok: false, error, accountId: redeemed.accountId };
      throw error;
    }
    const scope = grantUserScope(account.role, redeemed.scope, userScope(account.role));
    if (scope === undefined) {
      const error = new OAuthError(
        'invalid_scope',
        'none of the requested scopes can be granted to this account',
      );
      return { ok: false, error, accountId: account.id };
    }
    const { family, token } = await startFamily(tx, {
      accountId: account.id,
      clientId: clientId ?? null,
      scope,
      authTime: epochSeconds(redeemed.authTime),
      amr: redeemed.amr,
      codeId: redeemed.codeId,
      source: sourceOf(ip),
    });
    return { ok: true, response: await tokensFor(deps, account, family, token), account };
  });
  if (!outcome.ok) {
    const replay = outcome.replayRevoked !== undefined;
    if ((outcome.replayRevoked ?? 0) > 0) await deps.afterRevocation?.();
    await deps.audit.record({
      subtype: replay ? 'use-of-restricted-function' : 'login',
      outcome: replay ? '8' : '4',
      agent: {
        display: outcome.accountId ? `account ${outcome.accountId}` : 'unidentified',
        ...(ip ? { ip } : {}),
      },
      detail: replay
        ? `authorization code replayed: ${outcome.replayRevoked} token family(ies) revoked`
        : `authorization code refused: ${outcome.error.description}`,
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

class CodeRefused {
  constructor(
    readonly error: OAuthError,
    readonly accountId?: string,
    readonly replayedCodeId?: string,
  ) {}
}

async function redeem(
  directory: AccountDirectory,
  tx: Queryable,
  input: Parameters<AccountDirectory['redeemCode']>[1],
): Promise<RedeemedCode | CodeRefused> {
  const refused = 'the code is invalid, expired or used, or the code_verifier does not match';
  try {
    return (
      (await directory.redeemCode(tx, input)) ?? new CodeRefused(new OAuthError('invalid_grant', refused))
    );
  } catch (error) {
    if (!(error instanceof Problem) || error.status >= 500) throw error;
    // The sign-in module's AuthorizationCodeError says which code and account (duck-typed).
    const { reason, codeId, accountId } = error as Problem & {
      reason?: unknown;
      codeId?: unknown;
      accountId?: unknown;
    };
    return new CodeRefused(
      new OAuthError('invalid_grant', error.issues[0]!.diagnostics),
      typeof accountId === 'string' ? accountId : undefined,
      reason === 'reused' && typeof codeId === 'string' ? codeId : undefined,
    );
  }
}
