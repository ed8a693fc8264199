/**
 * The three grants of the token endpoint, without HTTP: each takes the form fields and returns
 * the token response or throws an OAuthError. Audit records are written after the transaction
 * has committed, so nothing is claimed that did not happen.
 */
import type { AuditInput } from '../../platform/audit/audit-event.js';
import type { Database, Queryable } from '../../platform/database/database.js';
import { Problem } from '../../platform/errors/problem.js';
import { AssertionRejected, authenticateClient, JWT_BEARER_ASSERTION } from './assertion.js';
import { grantClientScope, type Issuer, rolesOf, userScope } from './claims.js';
import type { AccountDirectory, DirectoryAccount } from './directory.js';
import { epochSeconds } from './directory.js';
import type { KeyStore } from './keys.js';
import { OAuthError } from './oauth-error.js';
import { type RefreshFamily, rotateRefreshToken, startFamily } from './refresh.js';
import { issueAccessToken } from './tokens.js';

export interface AuditSink {
  record(input: AuditInput): Promise<void>;
}

export interface GrantDeps {
  db: Database;
  issuer: Issuer;
  directory: AccountDirectory;
  audit: AuditSink;
  keys: Pick<KeyStore, 'signingKey'>;
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token?: string;
  scope: string;
}

export type Form = Record<string, string | undefined>;

function required(form: Form, name: string): string {
  const value = form[name];
  if (!value) throw new OAuthError('invalid_request', `${name} is required`);
  return value;
}

function userAgent(account: DirectoryAccount, ip?: string): AuditInput['agent'] {
  return {
    ...(account.fhirUser ? { reference: account.fhirUser } : { display: `account ${account.id}` }),
    roles: rolesOf(account.role),
    ...(account.org ? { org: account.org } : {}),
    ...(ip ? { ip } : {}),
  };
}

async function tokensFor(deps: GrantDeps, account: DirectoryAccount, family: RefreshFamily, refresh: string) {
  const access = await issueAccessToken(deps.keys, deps.issuer, {
    subject: account.id,
    roles: rolesOf(account.role),
    scope: family.scope,
    amr: family.amr,
    authTime: family.authTime,
    fhirUser: account.fhirUser ?? null,
    org: account.org ?? null,
    clientId: family.clientId,
  });
  const response: TokenResponse = {
    access_token: access.token,
    token_type: 'Bearer',
    expires_in: access.expiresIn,
    refresh_token: refresh,
    scope: family.scope,
  };
  return response;
}

async function activeAccount(deps: GrantDeps, tx: Queryable, id: string): Promise<DirectoryAccount> {
  const account = await deps.directory.getAccount(tx, id);
  if (!account) throw new OAuthError('invalid_grant', 'the account no longer exists');
  if (account.status !== 'active') throw new OAuthError('invalid_grant', `the account is ${account.status}`);
  return account;
}

export async function authorizationCodeGrant(
  deps: GrantDeps,
  form: Form,
  ip?: string,
): Promise<TokenResponse> {
  const code = required(form, 'code');
  const codeVerifier = required(form, 'code_verifier');
  const clientId = form.client_id || undefined;
  const { response, account } = await deps.db.transaction(async (tx) => {
    let redeemed: Awaited<ReturnType<AccountDirectory['redeemCode']>>;
    try {
      redeemed = await deps.directory.redeemCode(tx, {
        code,
        codeVerifier,
        ...(clientId ? { clientId } : {}),
        ...(form.redirect_uri ? { redirectUri: form.redirect_uri } : {}),
      });
    } catch (error) {
      if (error instanceof Problem && error.status < 500)
        throw new OAuthError('invalid_grant', error.issues[0]!.diagnostics);
      throw error;
    }
    if (!redeemed) {
      throw new OAuthError(
        'invalid_grant',
        'the code is invalid, expired or used, or the code_verifier does not match',
      );
    }
    const account = await activeAccount(deps, tx, redeemed.accountId);
    const { family, token } = await startFamily(tx, {
      accountId: account.id,
      clientId: clientId ?? null,
      scope: userScope(account.role),
      authTime: epochSeconds(redeemed.authTime),
      amr: redeemed.amr,
    });
    return { response: await tokensFor(deps, account, family, token), account };
  });
  await deps.audit.record({
    subtype: 'login',
    outcome: '0',
    agent: userAgent(account, ip),
    detail: 'access token issued (authorization_code)',
  });
  return response;
}

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

export async function clientCredentialsGrant(
  deps: GrantDeps,
  form: Form,
  ip?: string,
): Promise<TokenResponse> {
  if (form.client_assertion_type !== JWT_BEARER_ASSERTION || !form.client_assertion) {
    throw new OAuthError(
      'invalid_client',
      `client_credentials needs client_assertion_type=${JWT_BEARER_ASSERTION} and a client_assertion`,
    );
  }
  const assertion = form.client_assertion;
  try {
    const { client, response } = await deps.db.transaction(async (tx) => {
      const client = await authenticateClient(tx, assertion, {
        audiences: [deps.issuer.tokenEndpoint, deps.issuer.issuer],
      });
      if (form.client_id && form.client_id !== client.clientId) {
        throw new AssertionRejected('client_id does not match the assertion', client.clientId);
      }
      const scope = grantClientScope(client.scope, form.scope);
      if (scope === undefined)
        throw new OAuthError('invalid_scope', 'the requested scope is not registered for this client');
      const access = await issueAccessToken(deps.keys, deps.issuer, {
        subject: client.clientId,
        clientId: client.clientId,
        roles: client.roles,
        org: client.org,
        scope,
        amr: [],
      });
      const response: TokenResponse = {
        access_token: access.token,
        token_type: 'Bearer',
        expires_in: access.expiresIn,
        scope,
      };
      return { client, response };
    });
    await deps.audit.record({
      subtype: 'login',
      outcome: '0',
      agent: clientAgent(client.clientId, ip, client.roles, client.org),
      detail: 'access token issued (client_credentials)',
    });
    return response;
  } catch (error) {
    if (!(error instanceof AssertionRejected) && !(error instanceof OAuthError)) throw error;
    const clientId = error instanceof AssertionRejected ? error.clientId : undefined;
    await deps.audit.record({
      subtype: 'login',
      outcome: '4',
      agent: clientAgent(clientId, ip),
      detail: `client_credentials refused: ${error instanceof OAuthError ? error.description : error.message}`,
    });
    if (error instanceof OAuthError) throw error;
    throw new OAuthError('invalid_client', error.message);
  }
}

const DEVICE_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** Registered clients are `Device/<client_id>`; an unverified claimed id is only a display label. */
function clientAgent(clientId: string | undefined, ip?: string, roles?: string[], org?: string | null) {
  const who =
    clientId && roles !== undefined && DEVICE_ID.test(clientId)
      ? { reference: `Device/${clientId}` }
      : {
          display: clientId
            ? `client ${clientId.replace(/[^\x20-\x7E]/g, '?').slice(0, 80)}`
            : 'unidentified client',
        };
  return { ...who, ...(roles?.length ? { roles } : {}), ...(org ? { org } : {}), ...(ip ? { ip } : {}) };
}
