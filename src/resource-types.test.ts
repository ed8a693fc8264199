/**
 * The write rules the capabilities declare to the generic FHIR routes, taken together: the
 * least-privilege table that used to live in the kernel, now assembled from each capability's
 * declaration, as the app assembles them (test/support/platform/declared-rules.ts).
 */
import { describe, expect, it } from 'vitest';
import { principalWithRole } from '../test/support/platform/auth.js';
import { declaredResourceRules } from '../test/support/platform/declared-rules.js';
import { declareAnalyticsTypes } from './analytics/resource-types.js';
import { authorize } from './platform/auth/policy.js';
import { ROLES, type Role } from './platform/auth/principal.js';
import { RESOURCE_TYPES } from './platform/fhir/resource-types.js';
import { NOBODY, policyOf, type WriteInteraction } from './platform/fhir/write-rules.js';

const now = new Date('2026-11-22T10:00:00Z');
const principal = (role: Role) => principalWithRole(role, now);

const rules = declaredResourceRules();

const INTERACTIONS: WriteInteraction[] = ['create', 'update', 'delete'];
const allowed = (role: Role, type: string, interaction: WriteInteraction) =>
  authorize(principal(role), policyOf(rules.writeRules(type), interaction), { now, stepUpMaxAgeS: 900 }).ok;

describe('the write rules the capabilities declare', () => {
  it('never lets anyone write prescription-bearing resources through the generic API', () => {
    for (const type of [
      'MedicationRequest',
      'MedicationDispense',
      'Task',
      'Claim',
      'Provenance',
      'Communication',
    ]) {
      // Undeclared, or (the feed's Provenance and Task) declared with a write policy nobody meets,
      // for the feed's system writer alone.
      const declared = rules.writeRules(type);
      if (declared) {
        expect(['Provenance', 'Task'], type).toContain(type);
        expect(declared.write, type).toEqual(NOBODY);
        expect(declared.systemWriters, type).toEqual(['hl7']);
      }
      for (const role of ROLES) {
        for (const interaction of INTERACTIONS)
          expect(allowed(role, type, interaction), `${role} ${type}`).toBe(false);
      }
    }
  });

  it('keeps the register to registrars with step-up, for create, update and delete, always audited', () => {
    for (const type of ['Practitioner', 'PractitionerRole']) {
      const declared = rules.writeRules(type)!;
      expect(declared.write.stepUp, type).toBe(true);
      expect(declared.audit, type).toBe('always');
      expect(declared.inTransactionBundle, type).toBe(false);
      for (const interaction of INTERACTIONS) {
        expect(allowed('registrar', type, interaction)).toBe(true);
        for (const role of ROLES.filter((r) => r !== 'registrar')) {
          expect(allowed(role, type, interaction), `${role} ${interaction} ${type}`).toBe(false);
        }
      }
    }
  });

  it('lets clinicians and admins book, with the slots and the event in the write', () => {
    const appointment = rules.writeRules('Appointment')!;
    expect(appointment.events).toEqual(['appointment-changed']);
    expect(appointment.inTransactionBundle).toBe(false);
    for (const role of ROLES) {
      expect(allowed(role, 'Appointment', 'delete'), role).toBe(['clinician', 'admin'].includes(role));
    }
  });

  it('lets patients write only their own consent', () => {
    for (const type of RESOURCE_TYPES) {
      expect(allowed('patient', type, 'create'), type).toBe(type === 'Consent');
    }
    expect(rules.writeRules('Consent')!.write.patient).toBe('bound');
  });

  it('declares every type at most once, and only types the server stores', () => {
    expect(rules.declaredTypes().every((type) => (RESOURCE_TYPES as readonly string[]).includes(type))).toBe(
      true,
    );
    expect(() => declareAnalyticsTypes(rules)).toThrow(/already declared/);
  });
});
