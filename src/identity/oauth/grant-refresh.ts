/**
 * grant_type=refresh_token: spends the presented token and returns its successor (refresh.ts).
 * The account is re-read on every refresh, so a role, organisation or status change takes effect
 * at the next refresh; auth_time and amr stay those of the original sign-in.
 */
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
import { rotateRefreshToken } from './refresh.js';

export async function refreshTokenGrant(deps: GrantDeps, form: Form, ip?: string): Promise<TokenResponse> {
  const presented = required(form, 'refresh_token');
  // The transaction commits whatever the outcome, so that a reuse's revocation sticks.
  const outcome = await deps.db
    .transaction(async (tx) => {
      const rotated = await rotateRefreshToken(
        tx,
        presented,
        form.client_id ? { clientId: form.client_id } : {},
      );
      if (!rotated.ok) return { rotated } as const;
      try {
        const account = await activeAccount(deps, tx, rotated.family.accountId);
        return {
          rotated,
          account,
          response: await tokensFor(deps, account, rotated.family, rotated.token),
        } as const;
      } catch (error) {
        // Suspended or locked: refuse, and roll back so the presented token is not spent.
        if (error instanceof OAuthError) throw new RefreshRefused(error, rotated.family.accountId);
        throw error;
      }
    })
    .catch(async (error: unknown) => {
      if (!(error instanceof RefreshRefused)) throw error;
      await deps.audit.record({
        subtype: 'login',
        outcome: '4',
        agent: { display: `account ${error.accountId}`, ...(ip ? { ip } : {}) },
        detail: `refresh refused: ${error.cause.description}`,
      });
      throw error.cause;
    });
  const { rotated } = outcome;
  if (!rotated.ok) {
    if (rotated.reason === 'reused') {
      // The family's access tokens stop too (revocations.ts), here at once and elsewhere at the
      // next poll.
      await deps.afterRevocation?.();
      await deps.audit.record({
        subtype: 'use-of-restricted-function',
        outcome: '8',
        agent: { display: `account ${rotated.family.accountId}`, ...(ip ? { ip } : {}) },
        detail: 'refresh token reused: token family revoked',
      });
    } else {
      await deps.audit.record({
        subtype: 'login',
        outcome: '4',
        agent: { display: 'unidentified refresh token', ...(ip ? { ip } : {}) },
        detail: `refresh refused: token ${rotated.reason}`,
      });
    }
    throw new OAuthError(
      'invalid_grant',
      `the refresh token is ${rotated.reason === 'client-mismatch' ? 'not for this client' : 'invalid, expired or revoked'}`,
    );
  }
  await deps.audit.record({
    subtype: 'login',
    outcome: '0',
    agent: userAgent(outcome.account!, ip),
    detail: 'access token refreshed',
  });
  return outcome.response!;
}

class RefreshRefused extends Error {
  constructor(
    override readonly cause: OAuthError,
    readonly accountId: string,
  ) {
    super(cause.message);
  }
}
