/**
 * Who did it, for the audit trail: the caller's FHIR identity when it has one, otherwise a
 * non-personal label. External issuers' subjects may be e-mail addresses, so they are hashed.
 */
import { createHash } from 'node:crypto';
import type { AuditInput } from '../audit/audit-event.js';
import { LITERAL_REFERENCE } from '../fhir/ids.js';
import type { Principal } from './principal.js';

const REFERENCE = LITERAL_REFERENCE;
/** No @, so an e-mail address used as a subject never lands in the audit trail. */
const SAFE_ID = /^[A-Za-z0-9\-_.:]{1,128}$/;

export function agentFromPrincipal(principal: Principal | undefined, ip?: string): AuditInput['agent'] {
  if (!principal) return { display: 'unauthenticated', ...(ip ? { ip } : {}) };
  const agent: AuditInput['agent'] = {};
  if (principal.fhirUser && REFERENCE.test(principal.fhirUser)) agent.reference = principal.fhirUser;
  else agent.display = displayOf(principal);
  if (principal.roles.length > 0) agent.roles = [...principal.roles];
  if (principal.org) agent.org = principal.org;
  if (ip) agent.ip = ip;
  return agent;
}

function displayOf(principal: Principal): string {
  if (principal.clientId && SAFE_ID.test(principal.clientId)) return `client:${principal.clientId}`;
  // Pathways' subjects are opaque account ids; an e-mail-like or odd subject is hashed instead.
  if (SAFE_ID.test(principal.subject)) return `account:${principal.subject}`;
  const digest = createHash('sha256').update(`${principal.issuer}\n${principal.subject}`).digest('hex');
  return `subject:${digest.slice(0, 32)}`;
}
