/**
 * POST/PUT /PractitionerRole with the register's rules: a registered Practitioner, an ODS
 * organisation, known prescribing rights; the same practitioner and organisation for the role's
 * whole history. Ending or suspending a role is a new version (period.end, active:false).
 */
import type { PractitionerRole } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import { invalid } from '../../platform/errors/problem.js';
import { readCurrent } from '../../platform/fhir/store/repository.js';
import { type RegisterDeps, registerWrites, type WriteRules } from '../fhir-writes.js';
import { checkPractitionerRole, checkRoleChange, type RoleFacts } from './role-rules.js';

function factsOf(role: PractitionerRole | undefined): RoleFacts | undefined {
  if (!role) return undefined;
  try {
    return checkPractitionerRole(role);
  } catch {
    // A version the register's rules never saw (written before them): nothing to stay equal to.
    return undefined;
  }
}

export const practitionerRoleRules: WriteRules<PractitionerRole> = {
  type: 'PractitionerRole',
  check(role) {
    checkPractitionerRole(role);
  },
  async checkInTransaction(tx, role, _id, current) {
    const facts = checkPractitionerRole(role);
    checkRoleChange(factsOf(current), facts);
    // Locked until commit: the Practitioner cannot be deleted under a role being written for it.
    const practitioner = await readCurrent(tx, 'Practitioner', facts.practitionerId, { forUpdate: true });
    if (!practitioner || practitioner.deleted) {
      throw invalid(
        `Practitioner/${facts.practitionerId} is not in the register`,
        'PractitionerRole.practitioner.reference',
      );
    }
  },
};

export function practitionerRoleRoutes(scope: FastifyInstance, deps: RegisterDeps): void {
  registerWrites(scope, deps, practitionerRoleRules);
}
