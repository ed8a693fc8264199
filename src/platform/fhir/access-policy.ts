/**
 * Who may read each resource type through the generic FHIR REST interactions (least privilege).
 * Who may write it is what its capability declared (resource-rules.ts, write-rules.ts): nobody
 * for a type no capability declared.
 */
import type { AccessPolicy } from '../auth/policy.js';
import type { Role } from '../auth/principal.js';
import { staffReadersOf, typeGroupOf } from './read-access/read-rule.js';

/**
 * Reads: the staff roles that read the type at all (read-access/read-rule.ts: who reads every
 * instance and who only those related to their organisation), and a patient within their own
 * compartment (re-checked per resource) — except messages between prescribers and dispensers
 * and cohorts (Group), which patients never see.
 */
export function readPolicy(resourceType: string): AccessPolicy {
  const roles: Role[] = staffReadersOf(resourceType);
  const group = typeGroupOf(resourceType);
  if (group !== 'messages' && group !== 'cohort') roles.push('patient');
  return { roles, patient: 'bound' };
}
