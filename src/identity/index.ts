/**
 * What other parts may use of identity: the composition root builds it (identity.ts); the demo
 * seeds its accounts through the account store.
 */
export { createAccount, credentialsByUsername, totpAad } from './accounts/store.js';
export { currentTotp } from './accounts/totp.js';
export { createIdentity, type Identity } from './identity.js';
export { PORTAL_ACCOUNTS_SERVICE, type PortalAccountsService } from './services.js';
