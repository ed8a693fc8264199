/**
 * Who may read each resource type through the generic FHIR REST interactions (least privilege).
 * Who may write it is what its capability declared (resource-rules.ts, write-rules.ts): nobody
 * for a type no capability declared.
 */
import type { AccessPolicy } from '../auth/policy.js';
import type { Role } from '../auth/principal.js';
import { staffReadersOf, type TypeGroup } from './read-access/read-rule.js';

/**
 * Reads of a type in `group` (its capability's declaration: resource-rules.ts `readGroup`): the
 * staff roles that read the group at all (read-access/read-rule.ts: who reads every instance and
 * who only those related to their organisation), and a patient within their own compartment
 * (re-checked per resource) — except messages between prescribers and dispensers and cohorts
 * (Group), which patients never see.
 */
export function readPolicy(group: TypeGroup): AccessPolicy {
  const roles: Role[] = staffReadersOf(group);
  if (group !== 'messages' && group !== 'cohort') roles.push('patient');
  return { roles, patient: 'bound' };
}
