/**
 * What the register requires of a PractitionerRole before it is stored (pure): the Practitioner
 * by reference, the organisation by ODS code, and prescribing rights only from the register's
 * code system. Other `code` codings (SDS job roles, …) are kept as given.
 */
import type { PractitionerRole } from '@medplum/fhirtypes';
import { invalid, missing } from '../../platform/errors/problem.js';
import {
  isPrescribingRight,
  ODS_CODE,
  ODS_SYSTEM,
  PRACTITIONER_REFERENCE,
  PRESCRIBING_RIGHT_SYSTEM,
  PRESCRIBING_RIGHTS,
  type PrescribingRight,
} from '../systems.js';

export interface RoleFacts {
  practitionerId: string;
  orgOds: string;
  rights: PrescribingRight[];
}

type RoleShape = Pick<PractitionerRole, 'practitioner' | 'organization' | 'code' | 'period'>;

/** Checks a role and returns who, where and which rights it names; throws a Problem otherwise. */
export function checkPractitionerRole(role: RoleShape): RoleFacts {
  const reference = role.practitioner?.reference;
  if (role.practitioner === undefined) {
    throw missing('A PractitionerRole needs its practitioner', 'PractitionerRole.practitioner');
  }
  const match = typeof reference === 'string' ? PRACTITIONER_REFERENCE.exec(reference) : null;
  if (!match) {
    throw invalid(
      'practitioner must be a reference Practitioner/<id> to a registered Practitioner',
      'PractitionerRole.practitioner.reference',
    );
  }
  const orgOds = organisationOds(role);
  checkRightCodes(role);
  return { practitionerId: match[1]!, orgOds, rights: rightsOf(role) };
}

function organisationOds(role: RoleShape): string {
  const identifier = role.organization?.identifier;
  if (role.organization === undefined) {
    throw missing('A PractitionerRole needs its organisation', 'PractitionerRole.organization');
  }
  if (identifier === undefined) {
    throw missing(
      `The organisation is named by its ODS code: organization.identifier with system ${ODS_SYSTEM}`,
      'PractitionerRole.organization.identifier',
    );
  }
  if (identifier.system !== ODS_SYSTEM) {
    throw invalid(
      `organization.identifier.system must be ${ODS_SYSTEM}`,
      'PractitionerRole.organization.identifier.system',
    );
  }
  const value = identifier.value;
  if (typeof value !== 'string' || !ODS_CODE.test(value)) {
    throw invalid(
      `'${String(value ?? '').slice(0, 20)}' is not an ODS code (3-10 upper-case letters and digits)`,
      'PractitionerRole.organization.identifier.value',
    );
  }
  return value;
}

function checkRightCodes(role: RoleShape): void {
  (role.code ?? []).forEach((concept, i) => {
    (concept.coding ?? []).forEach((coding, j) => {
      if (coding.system !== PRESCRIBING_RIGHT_SYSTEM || isPrescribingRight(coding.code)) return;
      throw invalid(
        `'${String(coding.code ?? '').slice(0, 40)}' is not a prescribing right; use one of ${PRESCRIBING_RIGHTS.join(', ')}`,
        `PractitionerRole.code[${i}].coding[${j}].code`,
      );
    });
  });
}

/** The prescribing rights a role's codes grant (ignoring when and whether it is active). */
export function rightsOf(role: Pick<PractitionerRole, 'code'>): PrescribingRight[] {
  const granted = new Set<PrescribingRight>();
  for (const concept of role.code ?? []) {
    for (const coding of concept.coding ?? []) {
      if (coding.system === PRESCRIBING_RIGHT_SYSTEM && isPrescribingRight(coding.code)) {
        granted.add(coding.code);
      }
    }
  }
  return PRESCRIBING_RIGHTS.filter((right) => granted.has(right));
}

/**
 * A role is one practitioner at one organisation for its whole history: rights are judged from
 * its versions, so moving it to someone or somewhere else would rewrite what was granted before.
 */
export function checkRoleChange(before: RoleFacts | undefined, after: RoleFacts): void {
  if (!before) return;
  if (before.practitionerId !== after.practitionerId) {
    throw invalid(
      "A role's practitioner cannot change: end this role and create a new one",
      'PractitionerRole.practitioner',
    );
  }
  if (before.orgOds !== after.orgOds) {
    throw invalid(
      "A role's organisation cannot change: end this role and create a new one",
      'PractitionerRole.organization',
    );
  }
}
