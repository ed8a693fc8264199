/**
 * Which prescribing rights a PractitionerRole granted at an instant (pure), judged from the
 * versions the store recorded. The instant is the signature time `sigT` of a prescription.
 *
 * The rule:
 * 1. The version in force at `at` is the latest version recorded at or before `at`. No such
 *    version (the role did not exist yet) or a deletion → no rights.
 * 2. That version grants its rights when it is for the practitioner and organisation asked about,
 *    `active` is not false, and its `period` covers `at` (start inclusive, end exclusive; a date
 *    written without a time covers that whole day, UTC, as FHIR's Period does).
 * 3. A version recorded after `at` whose `period.end` is at or before `at` also removes them: a
 *    registrar correcting an end date backwards wins. Nothing else recorded after `at` reaches
 *    back — an `active: false` or a deletion recorded later stops rights from then on only.
 */
import type { PractitionerRole } from '@medplum/fhirtypes';
import { parseDateRange } from '../../platform/fhir/search/date-range.js';
import { ODS_SYSTEM, PRESCRIBING_RIGHTS, type PrescribingRight } from '../systems.js';
import { rightsOf } from './role-rules.js';

export type RoleContent = Pick<
  PractitionerRole,
  'active' | 'period' | 'code' | 'practitioner' | 'organization'
>;

export interface RoleVersion {
  versionId: number;
  /** When the store recorded this version (its meta.lastUpdated). */
  recordedAt: Date;
  deleted: boolean;
  /** The role as this version holds it; absent for a deletion. */
  role?: RoleContent;
}

export interface RightsScope {
  /** Only a role of this Practitioner (id) counts. */
  practitionerId?: string;
  /** Only a role at this organisation (ODS code) counts. */
  orgOds?: string;
}

/** The version in force at `at`: the latest one recorded at or before it. */
export function versionInForce(versions: readonly RoleVersion[], at: Date): RoleVersion | undefined {
  let found: RoleVersion | undefined;
  for (const version of versions) {
    if (version.recordedAt.getTime() > at.getTime()) continue;
    if (!found || version.versionId > found.versionId) found = version;
  }
  return found;
}

export function rightsInForce(
  versions: readonly RoleVersion[],
  at: Date,
  scope: RightsScope = {},
): PrescribingRight[] {
  const inForce = versionInForce(versions, at);
  const role = inForce?.role;
  if (!inForce || inForce.deleted || !role) return [];
  if (!inScope(role, scope) || role.active === false || !periodCovers(role.period, at)) return [];
  const endedLater = versions.some(
    (version) =>
      version.recordedAt.getTime() > at.getTime() &&
      !version.deleted &&
      endsAtOrBefore(version.role?.period?.end, at),
  );
  return endedLater ? [] : rightsOf(role);
}

/** Rights granted by any of several roles, in the register's order, each once. */
export function combineRights(lists: readonly PrescribingRight[][]): PrescribingRight[] {
  const all = new Set(lists.flat());
  return PRESCRIBING_RIGHTS.filter((right) => all.has(right));
}

function inScope(role: RoleContent, scope: RightsScope): boolean {
  if (
    scope.practitionerId !== undefined &&
    role.practitioner?.reference !== `Practitioner/${scope.practitionerId}`
  ) {
    return false;
  }
  if (scope.orgOds !== undefined) {
    const identifier = role.organization?.identifier;
    if (identifier?.system !== ODS_SYSTEM || identifier.value !== scope.orgOds) return false;
  }
  return true;
}

/** Start inclusive, end exclusive; an unparsable bound grants nothing. */
export function periodCovers(period: RoleContent['period'], at: Date): boolean {
  const t = at.getTime();
  if (period?.start !== undefined) {
    const start = parseDateRange(period.start);
    if (!start || t < start.low) return false;
  }
  if (period?.end !== undefined) {
    const end = exclusiveEnd(period.end);
    if (end === undefined || t >= end) return false;
  }
  return true;
}

function endsAtOrBefore(end: string | undefined, at: Date): boolean {
  if (end === undefined) return false;
  const instant = exclusiveEnd(end);
  // An end that cannot be read is taken as ended: when in doubt, no right.
  return instant === undefined || instant <= at.getTime();
}

/** A dateTime ends exactly then; a date (or month, year) covers all of it, as FHIR reads it. */
function exclusiveEnd(end: string): number | undefined {
  const range = parseDateRange(end);
  if (!range) return undefined;
  return end.includes('T') ? range.low : range.high;
}
