/**
 * Who on the staff may read what (pure): the rule the generic FHIR read, vread, history and
 * search routes apply to every staff caller. Patients are not decided here: a patient's token is
 * bound to its own compartment (auth/patient-binding.ts).
 *
 * Each resource type belongs to a group — declared by the capability that owns the type
 * (resource-rules.ts `declareReads`; a type nobody declared is `clinical`) — and each role reads
 * each group in one of three ways:
 *  - `all`: any instance (the register's directory; patient demographics for the service desk's
 *    identity checks; everything for admin, who also corrects and exports the data);
 *  - `related`: only instances related to the caller's organisation (token `org`) through a
 *    relationship a capability declared for that role (resource-rules.ts) — a prescriber or
 *    clinician reads the patients of their organisation and those patients' records; a dispenser
 *    the prescriptions released to their pharmacy and those prescriptions' patients;
 *  - `none`: never (registrars and the service desk read no clinical data).
 *
 * Without a relationship, a `related` reader may still "break the glass": read with a stated
 * reason, always audited with purpose of use BTG and raised to the organisation for review. The
 * glass never opens a `none`: it lifts the relationship, not the role.
 */
import type { Role } from '../../auth/principal.js';

export type TypeGroup =
  /** The register and timetables: no patient data. */
  | 'directory'
  /** Patient: demographics. */
  | 'demographics'
  /** What was prescribed, dispensed and claimed. */
  | 'prescription'
  /** Results, appointments, consent, signatures. */
  | 'clinical'
  /** Stored Tasks (repeat requests; the prescription tracker is its own route). */
  | 'task'
  /** Prescriber–dispenser messages (read by their parties through the messaging routes). */
  | 'messages'
  /** Groups: cohorts of patients, defined by administrators for Group-level Bulk Data exports. */
  | 'cohort';

export type Access = 'all' | 'related' | 'none';
export type StaffRole = Exclude<Role, 'patient'>;

/** The whole policy: rows are type groups, columns staff roles. */
export const READ_TABLE: Readonly<Record<TypeGroup, Readonly<Record<StaffRole, Access>>>> = {
  directory: {
    prescriber: 'all',
    clinician: 'all',
    dispenser: 'all',
    registrar: 'all',
    'service-desk': 'all',
    admin: 'all',
    analyst: 'all',
  },
  demographics: {
    prescriber: 'related',
    clinician: 'related',
    dispenser: 'related',
    registrar: 'none',
    'service-desk': 'all',
    admin: 'all',
    analyst: 'none',
  },
  prescription: {
    prescriber: 'related',
    clinician: 'related',
    dispenser: 'related',
    registrar: 'none',
    'service-desk': 'none',
    admin: 'all',
    analyst: 'none',
  },
  clinical: {
    prescriber: 'related',
    clinician: 'related',
    dispenser: 'none',
    registrar: 'none',
    'service-desk': 'none',
    admin: 'all',
    analyst: 'none',
  },
  task: {
    prescriber: 'related',
    clinician: 'related',
    dispenser: 'none',
    registrar: 'none',
    'service-desk': 'all',
    admin: 'all',
    analyst: 'none',
  },
  messages: {
    prescriber: 'none',
    clinician: 'none',
    dispenser: 'none',
    registrar: 'none',
    'service-desk': 'all',
    admin: 'all',
    analyst: 'none',
  },
  // Who is in a cohort is personal data: analysts export a Group by id (pseudonymised), they do
  // not read its member list.
  cohort: {
    prescriber: 'none',
    clinician: 'none',
    dispenser: 'none',
    registrar: 'none',
    'service-desk': 'none',
    admin: 'all',
    analyst: 'none',
  },
};

export type ReadScope =
  | { kind: 'all' }
  /** Related through a relationship declared for one of `through` (the caller's roles that read it so). */
  | { kind: 'related'; through: readonly StaffRole[] }
  | { kind: 'none' };

const NONE: ReadScope = { kind: 'none' };
const ALL: ReadScope = { kind: 'all' };

function isStaffRole(role: Role): role is StaffRole {
  return role !== 'patient';
}

/** A caller with several roles reads as the most permissive of them. */
export function readScope(roles: readonly Role[], group: TypeGroup): ReadScope {
  const row = READ_TABLE[group];
  const through: StaffRole[] = [];
  for (const role of roles) {
    if (!isStaffRole(role)) continue;
    const access = row[role];
    if (access === 'all') return ALL;
    if (access === 'related') through.push(role);
  }
  return through.length > 0 ? { kind: 'related', through } : NONE;
}

/** The staff roles that may read a group's types at all (with or without a relationship). */
export function staffReadersOf(group: TypeGroup): StaffRole[] {
  const row = READ_TABLE[group];
  return (Object.keys(row) as StaffRole[]).filter((role) => row[role] !== 'none');
}

export type ReadDecision =
  /** Read as usual. */
  | 'allow'
  /** Read, as a break-the-glass access: audited with BTG and the reason, raised for review. */
  | 'break-glass'
  /** 403 FORBIDDEN (a search leaves the instance out instead). */
  | 'refuse';

export interface ReadFacts {
  /** The instance is related to the caller's organisation through a declared relationship. */
  related: boolean;
  /** The caller stated a break-the-glass reason. */
  breakGlass: boolean;
  /** The caller's token names an organisation (whose reviewers the break-glass goes to). */
  hasOrganisation: boolean;
}

export function readDecision(scope: ReadScope, facts: ReadFacts): ReadDecision {
  if (scope.kind === 'all') return 'allow';
  if (scope.kind === 'none') return 'refuse';
  if (facts.related) return 'allow';
  return facts.breakGlass && facts.hasOrganisation ? 'break-glass' : 'refuse';
}

export type SearchMode =
  /** Search every instance. */
  | 'all'
  /** Search only the related instances: the relationship is part of the query (totals, paging). */
  | 'related-only'
  /** Search every instance as a break-the-glass access. */
  | 'break-glass'
  /** 403 FORBIDDEN. */
  | 'refuse';

export function searchMode(scope: ReadScope, facts: Omit<ReadFacts, 'related'>): SearchMode {
  if (scope.kind === 'all') return 'all';
  if (scope.kind === 'none') return 'refuse';
  if (!facts.breakGlass) return 'related-only';
  return facts.hasOrganisation ? 'break-glass' : 'refuse';
}
