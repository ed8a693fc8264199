/**
 * The feed's own types and the types it writes, as the capabilities declare them: the feed's
 * Encounter, ServiceRequest and Provenance admit no HTTP role (as when nobody declared them) and
 * only the feed; every type an HL7 message writes admits the feed's system writer, and Task (of
 * which the feed changes only repeat requests, task-rules.ts) admits the feed and no HTTP role.
 */
import { describe, expect, it } from 'vitest';
import { principalWithRole } from '../../test/support/platform/auth.js';
import { declaredResourceRules } from '../../test/support/platform/declared-rules.js';
import { authorize } from '../platform/auth/policy.js';
import { ROLES, type Role } from '../platform/auth/principal.js';
import { systemWriteRules } from '../platform/fhir/store/system-writes.js';
import { policyOf, type WriteInteraction } from '../platform/fhir/write-rules.js';
import { HL7_WRITER } from './resource-types.js';

const now = new Date('2026-11-22T10:00:00Z');
const principal = (role: Role) => principalWithRole(role, now);

const rules = declaredResourceRules();

describe('the types the hospital feed writes', () => {
  it('lets no HTTP caller write the feed’s own types, and admits only the feed', () => {
    for (const type of ['Encounter', 'ServiceRequest', 'Provenance', 'Task']) {
      expect(rules.writeRules(type)!.systemWriters, type).toEqual([HL7_WRITER]);
      for (const role of ROLES) {
        for (const interaction of ['create', 'update', 'delete'] as WriteInteraction[]) {
          const policy = policyOf(rules.writeRules(type), interaction);
          expect(authorize(principal(role), policy, { now, stepUpMaxAgeS: 900 }).ok, `${role} ${type}`).toBe(
            false,
          );
        }
      }
    }
  });

  it('admits the feed to every type an HL7 message writes, and to no other', () => {
    const written = [
      'Patient',
      'Encounter',
      'DiagnosticReport',
      'Observation',
      'ServiceRequest',
      'Appointment',
      'Location',
      'Schedule',
      'Slot',
      'Provenance',
      // A merge moves the patient's repeat requests; the EPR's answer is recorded on them.
      'Task',
    ];
    for (const type of written) expect(() => systemWriteRules(rules, HL7_WRITER, type), type).not.toThrow();
    const others = rules.declaredTypes().filter((t) => !written.includes(t));
    expect(others).toEqual(expect.arrayContaining(['Consent', 'Practitioner', 'PractitionerRole']));
    for (const type of others) {
      expect(() => systemWriteRules(rules, HL7_WRITER, type), type).toThrow(/may not write/);
    }
    // Types nobody declared (prescriptions, dispenses, claims, messages): not the feed's either.
    for (const type of ['MedicationRequest', 'MedicationDispense', 'Claim', 'Communication']) {
      expect(() => systemWriteRules(rules, HL7_WRITER, type), type).toThrow(
        new RegExp(`hl7 may not write ${type}`),
      );
    }
    // Another writer inside the service is not the feed.
    expect(() => systemWriteRules(rules, 'another-writer', 'Task')).toThrow(/may not write Task/);
  });

  it('declares Task to the feed alone, with its check in the write and never in a transaction Bundle', () => {
    const task = rules.writeRules('Task')!;
    expect(task.systemWriters).toEqual([HL7_WRITER]);
    expect(task.beforeWrite).toBeDefined();
    expect(task.inTransactionBundle).toBe(false);
    expect(task.audit).toBe('patient-data');
  });
});
