/** The audit trail: hash-chained AuditEvents (write, verify, search). */
export { type AuditInput, buildAuditEvent } from './audit-event.js';
export { GENESIS_HASH, hashRecord, type VerifyResult, verifyChain } from './chain.js';
export { auditRoutes } from './routes.js';
export { searchAuditEvents } from './search.js';
export { AuditTrail, AuditTrailClosed } from './trail.js';
export { runAuditVerify, verifyAuditTrail } from './verify.js';
