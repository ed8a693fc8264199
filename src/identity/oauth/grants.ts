/**
 * What the three grants of the token endpoint share. Each grant (grant-*.ts) takes the form fields
 * and returns the token response or throws an OAuthError, without HTTP. Audit records are written
 * after the transaction has committed, so nothing is claimed that did not happen.
 */
import type { AuditInput } from '../../platform/audit/audit-event.js';
import type { Database, Queryable } from '../../platform/database/database.js';
import { type Issuer, rolesOf } from './claims.js';
import type { AccountDirectory, DirectoryAccount } from './directory.js';
import type { KeyStore } from './keys.js';
import { OAuthError } from './oauth-error.js';
import type { RefreshFamily } from './refresh.js';
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
  /** Called once a transaction that revoked refresh families has committed. */
  afterRevocation?: (() => Promise<void>) | undefined;
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token?: string;
  scope: string;
  /** SMART launch context: the id of the Patient the token is for (scope `launch/patient`). */
  patient?: string;
}

export type Form = Record<string, string | undefined>;

export function required(form: Form, name: string): string {
  const value = form[name];
  if (!value) throw new OAuthError('invalid_request', `${name} is required`);
  return value;
}

export function userAgent(account: DirectoryAccount, ip?: string): AuditInput['agent'] {
  return {
    ...(account.fhirUser ? { reference: account.fhirUser } : { display: `account ${account.id}` }),
    roles: rolesOf(account.role),
    ...(account.org ? { org: account.org } : {}),
    ...(ip ? { ip } : {}),
  };
}

export async function tokensFor(
  deps: GrantDeps,
  account: DirectoryAccount,
  family: RefreshFamily,
  refresh: string,
) {
  const access = await issueAccessToken(deps.keys, deps.issuer, {
    subject: account.id,
    roles: rolesOf(account.role),
    scope: family.scope,
    amr: family.amr,
    authTime: family.authTime,
    fhirUser: account.fhirUser ?? null,
    org: account.org ?? null,
    clientId: family.clientId,
    sessionId: family.id,
  });
  const response: TokenResponse = {
    access_token: access.token,
    token_type: 'Bearer',
    expires_in: access.expiresIn,
    refresh_token: refresh,
    scope: family.scope,
  };
  // SMART standalone patient launch: the launch context is the patient who signed in.
  const patient = /^Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(account.fhirUser ?? '')?.[1];
  if (patient && family.scope.split(' ').includes('launch/patient')) response.patient = patient;
  return response;
}

export async function activeAccount(deps: GrantDeps, tx: Queryable, id: string): Promise<DirectoryAccount> {
  const account = await deps.directory.getAccount(tx, id);
  if (!account) throw new OAuthError('invalid_grant', 'the account no longer exists');
  if (account.status !== 'active') throw new OAuthError('invalid_grant', `the account is ${account.status}`);
  if (account.lockedUntil && account.lockedUntil.getTime() > Date.now()) {
    throw new OAuthError('invalid_grant', 'the account is locked');
  }
  return account;
}
