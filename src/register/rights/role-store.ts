/**
 * The prescribing rights a practitioner held at an organisation at an instant, from the stored
 * history of their PractitionerRoles: the roles that ever named the practitioner are found through
 * the history index of migration 0007, then only those roles' versions are read.
 */
import type { PractitionerRole } from '@medplum/fhirtypes';
import type { Queryable } from '../../platform/database/database.js';
import { FHIR_ID } from '../../platform/fhir/resource-types.js';
import type { PrescribingRight } from '../systems.js';
import { combineRights, type RoleVersion, rightsInForce } from './rights.js';

export interface RightsQuery {
  practitionerId: string;
  /** ODS code of the organisation the prescription is from. */
  orgOds: string;
  /** The signing time. */
  at: Date;
}

export const ROLE_VERSIONS = `
  SELECT id, version_id, last_updated, deleted, content FROM fhir_resource_history
  WHERE resource_type = 'PractitionerRole' AND id IN (
    SELECT id FROM fhir_resource_history
    WHERE resource_type = 'PractitionerRole' AND ((content::jsonb) #>> '{practitioner,reference}') = $1
  )
  ORDER BY id, version_id`;

/** Every version of every role that ever named the practitioner, grouped by role id. */
export async function roleVersions(
  q: Queryable,
  practitionerId: string,
): Promise<Map<string, RoleVersion[]>> {
  const result = await q.query<RoleVersionRow>(ROLE_VERSIONS, [`Practitioner/${practitionerId}`]);
  return groupRoleVersions(result.rows);
}

export interface RoleVersionRow {
  id: string;
  version_id: number;
  last_updated: Date | string;
  deleted: boolean;
  content: string;
}

/** Rows of ROLE_VERSIONS (ordered by id, version) grouped by role id. */
export function groupRoleVersions(rows: readonly RoleVersionRow[]): Map<string, RoleVersion[]> {
  const byRole = new Map<string, RoleVersion[]>();
  for (const row of rows) {
    const version: RoleVersion = {
      versionId: Number(row.version_id),
      recordedAt: new Date(row.last_updated),
      deleted: row.deleted,
      ...(row.deleted ? {} : { role: JSON.parse(row.content) as PractitionerRole }),
    };
    const versions = byRole.get(row.id) ?? [];
    versions.push(version);
    byRole.set(row.id, versions);
  }
  return byRole;
}

/** The rights in force at `query.at` from the practitioner's role versions. */
export function rightsFromVersions(
  byRole: Map<string, RoleVersion[]>,
  query: RightsQuery,
): PrescribingRight[] {
  const scope = { practitionerId: query.practitionerId, orgOds: query.orgOds };
  return combineRights([...byRole.values()].map((versions) => rightsInForce(versions, query.at, scope)));
}

export async function rightsAt(q: Queryable, query: RightsQuery): Promise<PrescribingRight[]> {
  if (!(query.at instanceof Date) || Number.isNaN(query.at.getTime()))
    throw new TypeError('at must be a valid Date');
  if (!FHIR_ID.test(query.practitionerId) || typeof query.orgOds !== 'string') return [];
  return rightsFromVersions(await roleVersions(q, query.practitionerId), query);
}
