/** The shape rules of account fields (pure), shared by createAccount, the CLI and the desk. */

import { ODS_CODE } from '../../nhs/index.js';
import { isRole, ROLES, type Role } from '../../platform/auth/principal.js';
import { invalid } from '../../platform/errors/problem.js';

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{2,63}$/;
const FHIR_USER = /^(Practitioner|Patient)\/[A-Za-z0-9\-.]{1,64}$/;
export const PASSWORD_MIN = 8;
// argon2 hashes whatever it is given; a bound keeps one request from costing much more than another.
export const PASSWORD_MAX = 256;

export function checkUsername(value: unknown): string {
  if (typeof value !== 'string' || !USERNAME.test(value)) {
    throw invalid('username must be 3-64 characters: letters, digits, and . _ @ - (not first)', 'username');
  }
  return value;
}

export function checkRole(value: unknown): Role {
  if (!isRole(value)) throw invalid(`role must be one of ${ROLES.join(', ')}`, 'role');
  return value;
}

export function checkFhirUser(value: unknown): string {
  if (typeof value !== 'string' || !FHIR_USER.test(value)) {
    throw invalid('fhirUser must be Practitioner/<id> or Patient/<id>', 'fhirUser');
  }
  return value;
}

export function checkOds(value: unknown): string {
  const upper = typeof value === 'string' ? value.trim().toUpperCase() : '';
  if (!ODS_CODE.test(upper)) throw invalid('org must be an ODS code (3-10 letters and digits)', 'org');
  return upper;
}

export function checkPassword(value: unknown): string {
  if (typeof value !== 'string' || value.length < PASSWORD_MIN || value.length > PASSWORD_MAX) {
    throw invalid(`password must be ${PASSWORD_MIN}-${PASSWORD_MAX} characters`, 'password');
  }
  return value;
}

/** A patient account acts as a Patient, staff as a Practitioner (when linked at all). */
export function checkRoleMatchesFhirUser(role: Role, fhirUser: string | undefined): void {
  if (!fhirUser) return;
  const isPatient = fhirUser.startsWith('Patient/');
  if ((role === 'patient') !== isPatient) {
    throw invalid(
      role === 'patient'
        ? 'a patient account links to Patient/<id>'
        : 'a staff account links to Practitioner/<id>',
      'fhirUser',
    );
  }
}
