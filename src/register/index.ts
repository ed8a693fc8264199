/** What other capabilities import from the register (types of the services it provides). */
export type { PkiService } from './capability.js';
export { registerCapability } from './capability.js';
export type { CertificateCheck, CheckInput } from './pki/check.js';
export type { RemoteKeys, SigningMaterial } from './pki/remote-keys.js';
export { type Revocation, type RevocationReason, revocationVerdict } from './pki/revocation.js';
export type { IdentifierValue, RegisterService } from './register-service.js';
export { type RoleVersion, rightsInForce } from './rights/rights.js';
export type { RightsQuery } from './rights/role-store.js';
export { PKI_SERVICE, REGISTER_SERVICE, REMOTE_KEYS_SERVICE } from './services.js';
export { PRESCRIBING_RIGHTS, type PrescribingRight } from './systems.js';
