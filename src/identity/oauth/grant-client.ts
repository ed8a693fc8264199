/**
 * grant_type=client_credentials, the client authenticated by private_key_jwt (assertion.ts). The
 * token's subject is the client; roles and organisation are those it was registered with; amr is
 * empty and there is no auth_time (no person signed in), so no step-up can ever pass; no refresh
 * token (the client can sign a new assertion whenever it needs).
 */
import { AssertionRejected, authenticateClient, JWT_BEARER_ASSERTION } from './assertion.js';
import { grantClientScope } from './claims.js';
import type { Form, GrantDeps, TokenResponse } from './grants.js';
import { OAuthError } from './oauth-error.js';
import { issueAccessToken } from './tokens.js';

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
