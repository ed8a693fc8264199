/** The OAuth 2.0 authorisation server: keys, tokens, refresh families, system clients, routes. */
export { AssertionRejected, authenticateClient, JWT_BEARER_ASSERTION } from './assertion.js';
export { buildAccessClaims, issuerOf, rolesOf, userScope } from './claims.js';
export { findClient, registerClient, runClientAdd } from './clients.js';
export type { AccountDirectory, DirectoryAccount, RedeemedCode, RedeemInput } from './directory.js';
export type { AuditSink } from './grants.js';
export { type KeyCipher, KeyStore, type PublicJwk, retentionSeconds, SIGNING_ALG } from './keys.js';
export { OAuthError } from './oauth-error.js';
export { pruneRefreshFamilies, REFRESH_ABSOLUTE_S, REFRESH_IDLE_S, revokeAllForAccount } from './refresh.js';
export { discoveryDocument, type OAuthRoutesOptions, oauthRoutes } from './routes.js';
export { ACCESS_TOKEN_TYPE, issueAccessToken, signAccessToken } from './tokens.js';
