/**
 * How a PractitionerRole is written with the register's rules: a registered Practitioner, an ODS
 * organisation, known prescribing rights; the same practitioner and organisation for the role's
 * whole history. Ending or suspending a role is a new version (period.end, active:false); a
 * delete is allowed to the same registrars and always audited.
 */
import type { PractitionerRole } from '@medplum/fhirtypes';
import { invalid } from '../../platform/errors/problem.js';
import { readCurrent } from '../../platform/fhir/store/repository.js';
import type { WriteRules } from '../../platform/fhir/write-rules.js';
import { REGISTRAR } from '../policies.js';
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
  write: REGISTRAR,
  audit: 'always',
  inTransactionBundle: false,
  check(role) {
    checkPractitionerRole(role);
  },
  async beforeWrite(tx, { before, after }) {
    if (!after) return undefined;
    const facts = checkPractitionerRole(after);
    checkRoleChange(factsOf(before), facts);
    // Locked until commit: the Practitioner cannot be deleted under a role being written for it.
    const practitioner = await readCurrent(tx, 'Practitioner', facts.practitionerId, { forUpdate: true });
    if (!practitioner || practitioner.deleted) {
      throw invalid(
        `Practitioner/${facts.practitionerId} is not in the register`,
        'PractitionerRole.practitioner.reference',
      );
    }
    return undefined;
  },
};
