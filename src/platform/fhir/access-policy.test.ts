import { describe, expect, it } from 'vitest';
import type { AccessPolicy } from '../auth/policy.js';
import { authorize } from '../auth/policy.js';
import { type Principal, ROLES, type Role } from '../auth/principal.js';
import { readPolicy } from './access-policy.js';

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
const allowed = (role: Role, policy: AccessPolicy) =>
  authorize(principal(role), policy, { now, stepUpMaxAgeS: 900 }).ok;

describe('FHIR read policy', () => {
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
