/** The audit trail: hash-chained AuditEvents (write, verify, search). */
export { type AuditInput, buildAuditEvent } from './audit-event.js';
export { type AuditKeys, deriveAuditKeys } from './audit-keys.js';
export { GENESIS_HASH, hashRecord, type VerifyResult, verifyChain } from './chain.js';
export { defaultCheckpointFile } from './checkpoint.js';
export { auditRoutes } from './routes.js';
export { searchAuditEvents } from './search.js';
export { AuditTrail, AuditTrailClosed } from './trail.js';
export { runAuditVerify, verifyAuditTrail } from './verify.js';
