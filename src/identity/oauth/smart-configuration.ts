/**
 * SMART App Launch 2.x discovery (`.well-known/smart-configuration`): what a SMART app needs to
 * launch against this server, derived from the same settings as the OIDC discovery document.
 */
import { type Issuer, SCOPES_SUPPORTED } from './claims.js';
import { CLIENT_ASSERTION_ALGS } from './clients.js';

export const SMART_CAPABILITIES = [
  'launch-standalone',
  'client-public',
  'client-confidential-asymmetric',
  'context-standalone-patient',
  'permission-offline',
  'permission-patient',
  'permission-user',
  'permission-v1',
  'permission-v2',
] as const;

export function smartConfiguration(issuer: Issuer) {
  return {
    issuer: issuer.issuer,
    jwks_uri: `${issuer.issuer}/oauth2/jwks`,
    authorization_endpoint: `${issuer.issuer}/oauth2/authorize`,
    token_endpoint: issuer.tokenEndpoint,
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    token_endpoint_auth_methods_supported: ['private_key_jwt', 'none'],
    token_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGS],
    scopes_supported: SCOPES_SUPPORTED,
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    capabilities: [...SMART_CAPABILITIES],
  };
}
