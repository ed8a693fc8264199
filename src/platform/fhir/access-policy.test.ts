import { describe, expect, it } from 'vitest';
import { principalWithRole } from '../../../test/support/platform/auth.js';
import type { AccessPolicy } from '../auth/policy.js';
import { authorize } from '../auth/policy.js';
import { ROLES, type Role } from '../auth/principal.js';
import { readPolicy } from './access-policy.js';

const now = new Date('2026-11-22T10:00:00Z');
const principal = (role: Role) => principalWithRole(role, now);
const allowed = (role: Role, policy: AccessPolicy) =>
  authorize(principal(role), policy, { now, stepUpMaxAgeS: 900 }).ok;

/** Which group a type is in is its capability's declaration (src/read-rules.test.ts checks it). */
describe('FHIR read policy', () => {
  it('lets the clinical roles and patients read clinical data, binding patients to their own compartment', () => {
    for (const role of ROLES) {
      expect(allowed(role, readPolicy('clinical')), role).toBe(
        ['prescriber', 'clinician', 'admin', 'patient'].includes(role),
      );
    }
    expect(readPolicy('clinical').patient).toBe('bound');
  });

  it('keeps registrars to the register, and the service desk to demographics and its own tools', () => {
    expect(allowed('registrar', readPolicy('directory'))).toBe(true);
    for (const group of ['demographics', 'prescription', 'clinical', 'task', 'messages', 'cohort'] as const) {
      expect(allowed('registrar', readPolicy(group)), group).toBe(false);
    }
    expect(allowed('service-desk', readPolicy('demographics'))).toBe(true);
    expect(allowed('service-desk', readPolicy('task'))).toBe(true);
    for (const group of ['prescription', 'clinical', 'cohort'] as const) {
      expect(allowed('service-desk', readPolicy(group)), group).toBe(false);
    }
  });

  it('lets dispensers read prescriptions and their patients, not other clinical data', () => {
    for (const group of ['demographics', 'prescription', 'directory'] as const) {
      expect(allowed('dispenser', readPolicy(group)), group).toBe(true);
    }
    for (const group of ['clinical', 'task', 'messages', 'cohort'] as const) {
      expect(allowed('dispenser', readPolicy(group)), group).toBe(false);
    }
  });

  it('never shows patients the messages between prescribers and dispensers, nor cohorts', () => {
    expect(allowed('patient', readPolicy('messages'))).toBe(false);
    expect(allowed('service-desk', readPolicy('messages'))).toBe(true);
    expect(allowed('patient', readPolicy('cohort'))).toBe(false);
    for (const group of ['directory', 'demographics', 'prescription', 'clinical', 'task'] as const) {
      expect(allowed('patient', readPolicy(group)), group).toBe(true);
    }
  });
});
