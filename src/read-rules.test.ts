/**
 * The read rules the capabilities declare to the generic FHIR routes, taken together: the type
 * groups and patient-data flags that used to be tables in the kernel (read-access/read-rule.ts
 * GROUPS, patient-compartment.ts PATIENT_DATA_TYPES), now assembled from each capability's
 * resource-types.ts. The kernel tables are frozen below as they were when they moved, so a
 * declaration that drifts from them (a type read by other roles, or audited differently) fails.
 */
import { describe, expect, it } from 'vitest';
import { declaredResourceRules } from '../test/support/platform/declared-rules.js';
import { readPolicy } from './platform/fhir/access-policy.js';
import {
  type Access,
  readScope,
  type StaffRole,
  type TypeGroup,
} from './platform/fhir/read-access/read-rule.js';
import { RESOURCE_TYPES } from './platform/fhir/resource-types.js';

/** read-rule.ts `GROUPS` as it was in the kernel (commit 96c8719). */
const KERNEL_GROUPS: Readonly<Record<string, TypeGroup>> = {
  Practitioner: 'directory',
  PractitionerRole: 'directory',
  Organization: 'directory',
  Location: 'directory',
  HealthcareService: 'directory',
  Medication: 'directory',
  Schedule: 'directory',
  Slot: 'directory',
  Device: 'directory',
  Patient: 'demographics',
  MedicationRequest: 'prescription',
  MedicationDispense: 'prescription',
  Claim: 'prescription',
  Observation: 'clinical',
  DiagnosticReport: 'clinical',
  Appointment: 'clinical',
  Encounter: 'clinical',
  ServiceRequest: 'clinical',
  Consent: 'clinical',
  Provenance: 'clinical',
  Task: 'task',
  Communication: 'messages',
  Group: 'cohort',
};

/** patient-compartment.ts `PATIENT_DATA_TYPES` as it was in the kernel (commit 96c8719). */
const KERNEL_PATIENT_DATA_TYPES = new Set([
  'Patient',
  'MedicationRequest',
  'MedicationDispense',
  'Task',
  'Communication',
  'Claim',
  'Provenance',
  'Appointment',
  'Encounter',
  'ServiceRequest',
  'DiagnosticReport',
  'Observation',
  'Consent',
]);

/**
 * patient-binding.ts `NON_PATIENT_TYPES` as it was in the kernel (commit 5110d4e): the types a
 * patient sees every instance of. OperationOutcome is the kernel's own; the others are declared.
 */
const KERNEL_NON_PATIENT_TYPES = new Set([
  'Organization',
  'Practitioner',
  'PractitionerRole',
  'Location',
  'HealthcareService',
  'Medication',
  'OperationOutcome',
  'Schedule',
  'Slot',
]);

/**
 * Written out type by type, as the issue states the policy (issue 17 §6), not derived from the
 * declarations under test. Columns: prescriber, clinician, dispenser, registrar, service-desk,
 * admin, analyst (issue 15: analysts read only the directory; Group cohorts are the administrators').
 */
const EXPECTED: Record<
  (typeof RESOURCE_TYPES)[number],
  [Access, Access, Access, Access, Access, Access, Access]
> = {
  Practitioner: ['all', 'all', 'all', 'all', 'all', 'all', 'all'],
  PractitionerRole: ['all', 'all', 'all', 'all', 'all', 'all', 'all'],
  Organization: ['all', 'all', 'all', 'all', 'all', 'all', 'all'],
  Location: ['all', 'all', 'all', 'all', 'all', 'all', 'all'],
  HealthcareService: ['all', 'all', 'all', 'all', 'all', 'all', 'all'],
  Medication: ['all', 'all', 'all', 'all', 'all', 'all', 'all'],
  Schedule: ['all', 'all', 'all', 'all', 'all', 'all', 'all'],
  Slot: ['all', 'all', 'all', 'all', 'all', 'all', 'all'],
  Device: ['all', 'all', 'all', 'all', 'all', 'all', 'all'],
  Patient: ['related', 'related', 'related', 'none', 'all', 'all', 'none'],
  MedicationRequest: ['related', 'related', 'related', 'none', 'none', 'all', 'none'],
  MedicationDispense: ['related', 'related', 'related', 'none', 'none', 'all', 'none'],
  Claim: ['related', 'related', 'related', 'none', 'none', 'all', 'none'],
  Observation: ['related', 'related', 'none', 'none', 'none', 'all', 'none'],
  DiagnosticReport: ['related', 'related', 'none', 'none', 'none', 'all', 'none'],
  Appointment: ['related', 'related', 'none', 'none', 'none', 'all', 'none'],
  Encounter: ['related', 'related', 'none', 'none', 'none', 'all', 'none'],
  ServiceRequest: ['related', 'related', 'none', 'none', 'none', 'all', 'none'],
  Consent: ['related', 'related', 'none', 'none', 'none', 'all', 'none'],
  Provenance: ['related', 'related', 'none', 'none', 'none', 'all', 'none'],
  Task: ['related', 'related', 'none', 'none', 'all', 'all', 'none'],
  Communication: ['none', 'none', 'none', 'none', 'all', 'all', 'none'],
  Group: ['none', 'none', 'none', 'none', 'none', 'all', 'none'],
};
const COLUMNS: StaffRole[] = [
  'prescriber',
  'clinician',
  'dispenser',
  'registrar',
  'service-desk',
  'admin',
  'analyst',
];

const rules = declaredResourceRules();

describe('the read rules the capabilities declare', () => {
  it('declares every stored type, and only those: none falls to the undeclared default', () => {
    expect(rules.readDeclaredTypes()).toEqual([...RESOURCE_TYPES].sort());
  });

  it.each(RESOURCE_TYPES.map((type) => [type]))('puts %s in the group the kernel table did', (type) => {
    expect(rules.readGroup(type)).toBe(KERNEL_GROUPS[type]);
  });

  it.each(
    RESOURCE_TYPES.map((type) => [type]),
  )('audits %s as patient data exactly when the kernel table did', (type) => {
    expect(rules.holdsPatientData(type)).toBe(KERNEL_PATIENT_DATA_TYPES.has(type));
  });

  const cells = RESOURCE_TYPES.flatMap((type) =>
    COLUMNS.map((role, column) => [type, role, EXPECTED[type][column]!] as const),
  );
  it.each(cells)('%s read by a %s: %s', (type, role, access) => {
    expect(readScope([role], rules.readGroup(type)).kind).toBe(access);
  });

  it('lets patients read every type in their compartment but messages and cohorts', () => {
    for (const type of RESOURCE_TYPES) {
      const { roles } = readPolicy(rules.readGroup(type));
      const patients = roles !== 'any-authenticated' && roles.includes('patient');
      expect(patients, type).toBe(type !== 'Communication' && type !== 'Group');
    }
  });

  it('opens to every patient exactly the types the kernel list did (HAZ-WRONG-PATIENT)', () => {
    expect([...rules.typesOpenToPatients()].sort()).toEqual([...KERNEL_NON_PATIENT_TYPES].sort());
  });

  it('throws when two capabilities declare the same type', () => {
    expect(() => rules.declareReads('Observation', { group: 'directory', patientData: false })).toThrow(
      /already declared/,
    );
  });
});
