/**
 * The staff read rule as truth tables: which role reads which type how, what a read decides for
 * every combination of relationship, stated reason and organisation, and what a search does.
 */
import { describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../../auth/principal.js';
import { RESOURCE_TYPES } from '../resource-types.js';
import {
  type Access,
  type ReadDecision,
  type ReadScope,
  readDecision,
  readScope,
  type SearchMode,
  type StaffRole,
  searchMode,
  staffReadersOf,
  typeGroupOf,
} from './read-rule.js';

const STAFF = ROLES.filter((role): role is StaffRole => role !== 'patient');

/**
 * Written out type by type, as the issue states the policy (issue 17 §6), not derived from the
 * table under test. Columns: prescriber, clinician, dispenser, registrar, service-desk, admin,
 * analyst (issue 15: analysts read only the directory; Group cohorts are the administrators').
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

function accessOf(scope: ReadScope): Access {
  return scope.kind;
}

describe('who on the staff reads which type', () => {
  it('covers every stored type and every staff role', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...RESOURCE_TYPES].sort());
    expect([...COLUMNS].sort()).toEqual([...STAFF].sort());
  });

  const cells = RESOURCE_TYPES.flatMap((type) =>
    COLUMNS.map((role, column) => [type, role, EXPECTED[type][column]!] as const),
  );
  it.each(cells)('%s read by a %s: %s', (type, role, access) => {
    expect(accessOf(readScope([role], type))).toBe(access);
  });

  it('names the roles a related read goes through', () => {
    expect(readScope(['prescriber'], 'Observation')).toEqual({ kind: 'related', through: ['prescriber'] });
    expect(readScope(['dispenser', 'clinician'], 'MedicationRequest')).toEqual({
      kind: 'related',
      through: ['dispenser', 'clinician'],
    });
  });

  it('reads with several roles as the most permissive of them', () => {
    expect(accessOf(readScope(['registrar', 'service-desk'], 'Patient'))).toBe('all');
    expect(accessOf(readScope(['registrar', 'dispenser'], 'Claim'))).toBe('related');
    expect(accessOf(readScope(['registrar', 'service-desk'], 'Observation'))).toBe('none');
    expect(accessOf(readScope(['prescriber', 'admin'], 'Observation'))).toBe('all');
  });

  it('gives the patient role nothing here (patient binding decides for patients)', () => {
    expect(accessOf(readScope(['patient'], 'Patient'))).toBe('none');
    expect(accessOf(readScope([], 'Organization'))).toBe('none');
  });

  it('treats a type nobody classified as clinical data', () => {
    expect(typeGroupOf('AllergyIntolerance')).toBe('clinical');
    expect(accessOf(readScope(['service-desk'], 'AllergyIntolerance'))).toBe('none');
    expect(accessOf(readScope(['clinician'], 'AllergyIntolerance'))).toBe('related');
  });

  it('lists the staff roles that may read a type at all (the route policy)', () => {
    expect(staffReadersOf('Observation').sort()).toEqual(['admin', 'clinician', 'prescriber']);
    expect(staffReadersOf('Patient').sort()).toEqual([
      'admin',
      'clinician',
      'dispenser',
      'prescriber',
      'service-desk',
    ]);
    expect(staffReadersOf('Organization')).toHaveLength(STAFF.length);
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
    for (const type of ['Organization', 'Practitioner', 'PractitionerRole', 'Medication']) {
      expect(readScope([role], type).kind).toBe('all');
    }
  });
});
