import { describe, expect, it } from 'vitest';
import { authorize } from '../auth/policy.js';
import { type Principal, ROLES, type Role } from '../auth/principal.js';
import { readPolicy, writePolicy } from './access-policy.js';
import { RESOURCE_TYPES } from './resource-types.js';

const now = new Date('2026-11-22T10:00:00Z');
function principal(role: Role): Principal {
  return {
    subject: 's',
    issuer: 'i',
    roles: [role],
    scopes: [],
    amr: ['pwd', 'otp'],
    authTime: Math.floor(now.getTime() / 1000) - 60,
    ...(role === 'patient' ? { fhirUser: 'Patient/p1' } : {}),
  };
}
const allowed = (role: Role, policy: ReturnType<typeof writePolicy>) =>
  authorize(principal(role), policy, { now, stepUpMaxAgeS: 900 }).ok;

describe('FHIR access policy', () => {
  it('never lets anyone write prescription-bearing resources through the generic API', () => {
    for (const type of [
      'MedicationRequest',
      'MedicationDispense',
      'Task',
      'Claim',
      'Provenance',
      'Communication',
    ]) {
      for (const role of ROLES) expect(allowed(role, writePolicy(type)), `${role} ${type}`).toBe(false);
    }
  });

  it('keeps the register to registrars with step-up', () => {
    expect(allowed('registrar', writePolicy('Practitioner'))).toBe(true);
    expect(writePolicy('PractitionerRole').stepUp).toBe(true);
    for (const role of ROLES.filter((r) => r !== 'registrar')) {
      expect(allowed(role, writePolicy('Practitioner')), role).toBe(false);
    }
  });

  it('lets patients write only their own consent', () => {
    for (const type of RESOURCE_TYPES) {
      expect(allowed('patient', writePolicy(type)), type).toBe(type === 'Consent');
    }
    expect(writePolicy('Consent').patient).toBe('bound');
  });

  it('lets the clinical roles and patients read clinical data, binding patients to their own compartment', () => {
    for (const role of ROLES) {
      expect(allowed(role, readPolicy('Observation')), role).toBe(
        ['prescriber', 'clinician', 'admin', 'patient'].includes(role),
      );
    }
    expect(readPolicy('Observation').patient).toBe('bound');
  });

  it('keeps registrars to the register, and the service desk to demographics and its own tools', () => {
    expect(allowed('registrar', readPolicy('Practitioner'))).toBe(true);
    for (const type of ['Patient', 'MedicationRequest', 'Observation', 'DiagnosticReport', 'Claim']) {
      expect(allowed('registrar', readPolicy(type)), type).toBe(false);
    }
    expect(allowed('service-desk', readPolicy('Patient'))).toBe(true);
    expect(allowed('service-desk', readPolicy('Task'))).toBe(true);
    for (const type of ['MedicationRequest', 'Observation', 'DiagnosticReport', 'Appointment']) {
      expect(allowed('service-desk', readPolicy(type)), type).toBe(false);
    }
  });

  it('lets dispensers read prescriptions and their patients, not other clinical data', () => {
    for (const type of ['Patient', 'MedicationRequest', 'MedicationDispense', 'Claim']) {
      expect(allowed('dispenser', readPolicy(type)), type).toBe(true);
    }
    for (const type of ['Observation', 'DiagnosticReport', 'Appointment', 'Consent']) {
      expect(allowed('dispenser', readPolicy(type)), type).toBe(false);
    }
  });

  it('never shows patients the messages between prescribers and dispensers', () => {
    expect(allowed('patient', readPolicy('Communication'))).toBe(false);
    expect(allowed('service-desk', readPolicy('Communication'))).toBe(true);
  });
});
