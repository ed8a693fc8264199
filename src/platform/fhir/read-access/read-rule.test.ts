/**
 * The staff read rule as truth tables: which role reads which group of types how, what a read decides for
 * every combination of relationship, stated reason and organisation, and what a search does.
 */
import { describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../../auth/principal.js';
import { ResourceRules } from '../resource-rules.js';
import {
  type Access,
  READ_TABLE,
  type ReadDecision,
  type ReadScope,
  readDecision,
  readScope,
  type SearchMode,
  type StaffRole,
  searchMode,
  staffReadersOf,
  type TypeGroup,
} from './read-rule.js';

const STAFF = ROLES.filter((role): role is StaffRole => role !== 'patient');

/**
 * Written out group by group, as the issue states the policy (issue 17 §6), not derived from the
 * table under test. Columns: prescriber, clinician, dispenser, registrar, service-desk, admin,
 * analyst (issue 15: analysts read only the directory; Group cohorts are the administrators').
 * Which type is in which group is its capability's declaration (src/read-rules.test.ts).
 */
const EXPECTED: Record<TypeGroup, [Access, Access, Access, Access, Access, Access, Access]> = {
  directory: ['all', 'all', 'all', 'all', 'all', 'all', 'all'],
  demographics: ['related', 'related', 'related', 'none', 'all', 'all', 'none'],
  prescription: ['related', 'related', 'related', 'none', 'none', 'all', 'none'],
  clinical: ['related', 'related', 'none', 'none', 'none', 'all', 'none'],
  task: ['related', 'related', 'none', 'none', 'all', 'all', 'none'],
  messages: ['none', 'none', 'none', 'none', 'all', 'all', 'none'],
  cohort: ['none', 'none', 'none', 'none', 'none', 'all', 'none'],
};
const GROUPS = Object.keys(EXPECTED) as TypeGroup[];
const COLUMNS: StaffRole[] = [
  'prescriber',
  'clinician',
  'dispenser',
  'registrar',
  'service-desk',
  'admin',
  'analyst',
];

function accessOf(scope: ReadScope): Access {
  return scope.kind;
}

describe('who on the staff reads which group', () => {
  it('covers every group and every staff role', () => {
    expect([...GROUPS].sort()).toEqual(Object.keys(READ_TABLE).sort());
    expect([...COLUMNS].sort()).toEqual([...STAFF].sort());
  });

  const cells = GROUPS.flatMap((group) =>
    COLUMNS.map((role, column) => [group, role, EXPECTED[group][column]!] as const),
  );
  it.each(cells)('%s read by a %s: %s', (group, role, access) => {
    expect(accessOf(readScope([role], group))).toBe(access);
  });

  it('names the roles a related read goes through', () => {
    expect(readScope(['prescriber'], 'clinical')).toEqual({ kind: 'related', through: ['prescriber'] });
    expect(readScope(['dispenser', 'clinician'], 'prescription')).toEqual({
      kind: 'related',
      through: ['dispenser', 'clinician'],
    });
  });

  it('reads with several roles as the most permissive of them', () => {
    expect(accessOf(readScope(['registrar', 'service-desk'], 'demographics'))).toBe('all');
    expect(accessOf(readScope(['registrar', 'dispenser'], 'prescription'))).toBe('related');
    expect(accessOf(readScope(['registrar', 'service-desk'], 'clinical'))).toBe('none');
    expect(accessOf(readScope(['prescriber', 'admin'], 'clinical'))).toBe('all');
  });

  it('gives the patient role nothing here (patient binding decides for patients)', () => {
    expect(accessOf(readScope(['patient'], 'demographics'))).toBe('none');
    expect(accessOf(readScope([], 'directory'))).toBe('none');
  });

  it('treats a type nobody declared as clinical data, not audited as patient data (as before)', () => {
    const rules = new ResourceRules();
    expect(rules.readGroup('AllergyIntolerance')).toBe('clinical');
    expect(rules.holdsPatientData('AllergyIntolerance')).toBe(false);
    expect(accessOf(readScope(['service-desk'], rules.readGroup('AllergyIntolerance')))).toBe('none');
    expect(accessOf(readScope(['clinician'], rules.readGroup('AllergyIntolerance')))).toBe('related');
  });

  it('keeps Patient in the kernel: demographics, patient data, declared by no capability', () => {
    const rules = new ResourceRules();
    expect(rules.readRules('Patient')).toEqual({ group: 'demographics', patientData: true });
    expect(rules.readDeclaredTypes()).toEqual(['Patient']);
    expect(() => rules.declareReads('Patient', { group: 'directory', patientData: false })).toThrow(
      /already declared/,
    );
  });

  it('takes one declaration per type', () => {
    const rules = new ResourceRules();
    rules.declareReads('Observation', { group: 'clinical', patientData: true });
    expect(() => rules.declareReads('Observation', { group: 'directory', patientData: false })).toThrow(
      /read rules for Observation are already declared/,
    );
    expect(rules.readRules('Observation')).toEqual({ group: 'clinical', patientData: true });
  });

  it('opens a type to every patient only when declared so, without patient data, in a group patients read', () => {
    const rules = new ResourceRules();
    rules.declareReads('Medication', { group: 'directory', patientData: false, openToPatients: true });
    rules.declareReads('Device', { group: 'directory', patientData: false });
    expect([...rules.typesOpenToPatients()].sort()).toEqual(['Medication', 'OperationOutcome']);
    expect(() =>
      rules.declareReads('Observation', { group: 'clinical', patientData: true, openToPatients: true }),
    ).toThrow(/Observation holds patient data/);
    expect(() =>
      rules.declareReads('Group', { group: 'cohort', patientData: false, openToPatients: true }),
    ).toThrow(/Group \(cohort\) is not read by patients/);
    // A refused declaration opens nothing; a later one is seen by the next derivation.
    expect(rules.typesOpenToPatients().has('Group')).toBe(false);
    rules.declareReads('Slot', { group: 'directory', patientData: false, openToPatients: true });
    expect(rules.typesOpenToPatients().has('Slot')).toBe(true);
  });

  it('lists the staff roles that may read a group at all (the route policy)', () => {
    expect(staffReadersOf('clinical').sort()).toEqual(['admin', 'clinician', 'prescriber']);
    expect(staffReadersOf('demographics').sort()).toEqual([
      'admin',
      'clinician',
      'dispenser',
      'prescriber',
      'service-desk',
    ]);
    expect(staffReadersOf('directory')).toHaveLength(STAFF.length);
  });
});

describe('a read by id', () => {
  const all: ReadScope = { kind: 'all' };
  const related: ReadScope = { kind: 'related', through: ['prescriber'] };
  const none: ReadScope = { kind: 'none' };
  // scope, related, reason stated, token has an org → decision
  const TABLE: Array<[string, ReadScope, boolean, boolean, boolean, ReadDecision]> = [
    ['all', all, false, false, false, 'allow'],
    ['all', all, false, false, true, 'allow'],
    ['all', all, false, true, false, 'allow'],
    ['all', all, false, true, true, 'allow'],
    ['all', all, true, false, false, 'allow'],
    ['all', all, true, false, true, 'allow'],
    ['all', all, true, true, false, 'allow'],
    ['all', all, true, true, true, 'allow'],
    ['related', related, false, false, false, 'refuse'],
    ['related', related, false, false, true, 'refuse'],
    ['related', related, false, true, false, 'refuse'],
    ['related', related, false, true, true, 'break-glass'],
    ['related', related, true, false, false, 'allow'],
    ['related', related, true, false, true, 'allow'],
    ['related', related, true, true, false, 'allow'],
    ['related', related, true, true, true, 'allow'],
    ['none', none, false, false, false, 'refuse'],
    ['none', none, false, false, true, 'refuse'],
    ['none', none, false, true, false, 'refuse'],
    ['none', none, false, true, true, 'refuse'],
    ['none', none, true, false, false, 'refuse'],
    ['none', none, true, false, true, 'refuse'],
    ['none', none, true, true, false, 'refuse'],
    ['none', none, true, true, true, 'refuse'],
  ];
  it.each(
    TABLE,
  )('scope %s, related %s, reason %s, organisation %s → %s', (_name, scope, isRelated, breakGlass, hasOrganisation, expected) => {
    expect(readDecision(scope, { related: isRelated, breakGlass, hasOrganisation })).toBe(expected);
  });
});

describe('a search', () => {
  const all: ReadScope = { kind: 'all' };
  const related: ReadScope = { kind: 'related', through: ['dispenser'] };
  const none: ReadScope = { kind: 'none' };
  const TABLE: Array<[string, ReadScope, boolean, boolean, SearchMode]> = [
    ['all', all, false, false, 'all'],
    ['all', all, false, true, 'all'],
    ['all', all, true, false, 'all'],
    ['all', all, true, true, 'all'],
    ['related', related, false, false, 'related-only'],
    ['related', related, false, true, 'related-only'],
    ['related', related, true, false, 'refuse'],
    ['related', related, true, true, 'break-glass'],
    ['none', none, false, false, 'refuse'],
    ['none', none, false, true, 'refuse'],
    ['none', none, true, false, 'refuse'],
    ['none', none, true, true, 'refuse'],
  ];
  it.each(
    TABLE,
  )('scope %s, reason %s, organisation %s → %s', (_name, scope, breakGlass, hasOrganisation, expected) => {
    expect(searchMode(scope, { breakGlass, hasOrganisation })).toBe(expected);
  });
});

describe('every staff role', () => {
  it.each(STAFF.map((role) => [role] as [Role]))('%s reads the whole directory', (role) => {
    expect(readScope([role], 'directory').kind).toBe('all');
  });
});
