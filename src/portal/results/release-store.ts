/** The releases of results (migrations/0010_portal.sql) and the reports that refer to observations. */
import type { Queryable } from '../../platform/database/database.js';
import type { Release } from './visibility.js';

interface ReleaseRow {
  report_id: string;
  patient: string;
  released_at: Date | string;
  released_by: string;
  visible_from: Date | string;
  seen_at: Date | string | null;
}

const COLUMNS = 'report_id, patient, released_at, released_by, visible_from, seen_at';

function toRelease(row: ReleaseRow): Release {
  return {
    reportId: row.report_id,
    patient: row.patient,
    releasedAt: new Date(row.released_at),
    releasedBy: row.released_by,
    visibleFrom: new Date(row.visible_from),
    seenAt: row.seen_at === null ? undefined : new Date(row.seen_at),
  };
}

export async function releasesOf(q: Queryable, reportIds: readonly string[]): Promise<Map<string, Release>> {
  if (reportIds.length === 0) return new Map();
  const result = await q.query<ReleaseRow>(
    `SELECT ${COLUMNS} FROM portal_result_release WHERE report_id = ANY($1::text[])`,
    [[...new Set(reportIds)]],
  );
  return new Map(result.rows.map((row) => [row.report_id, toRelease(row)]));
}

/** Records (or, for a report now about another patient, replaces) the release of a report. */
export async function saveRelease(tx: Queryable, release: Omit<Release, 'seenAt'>): Promise<Release> {
  const result = await tx.query<ReleaseRow>(
    `INSERT INTO portal_result_release (report_id, patient, released_at, released_by, visible_from)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (report_id) DO UPDATE SET patient = EXCLUDED.patient, released_at = EXCLUDED.released_at,
       released_by = EXCLUDED.released_by, visible_from = EXCLUDED.visible_from, seen_at = NULL
     RETURNING ${COLUMNS}`,
    [release.reportId, release.patient, release.releasedAt, release.releasedBy, release.visibleFrom],
  );
  return toRelease(result.rows[0]!);
}

/**
 * A record merged into another (HAZ-MERGE): its releases now belong to the survivor, as its
 * reports do, so a result released to the patient stays released (and seen) under the survivor.
 */
export async function moveReleases(tx: Queryable, retired: string, survivor: string): Promise<number> {
  const result = await tx.query('UPDATE portal_result_release SET patient = $2 WHERE patient = $1', [
    retired,
    survivor,
  ]);
  return result.rowCount;
}

/** Sets `seen_at` on the reports not seen yet by `patient`; returns those it set, once each. */
export async function markSeen(
  tx: Queryable,
  reportIds: readonly string[],
  patient: string,
  now: Date,
): Promise<Release[]> {
  const result = await tx.query<ReleaseRow>(
    `UPDATE portal_result_release SET seen_at = $3
     WHERE report_id = ANY($1::text[]) AND patient = $2 AND seen_at IS NULL AND visible_from <= $3
     RETURNING ${COLUMNS}`,
    [[...new Set(reportIds)], patient, now],
  );
  return result.rows.map(toRelease);
}

/**
 * For each Observation id: the DiagnosticReports whose `result` refers to it, directly or through
 * a panel Observation (`hasMember`) that the report refers to. From the search index, so the
 * current version of each report counts.
 */
export async function reportsReferring(
  q: Queryable,
  observationIds: readonly string[],
): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  if (observationIds.length === 0) return found;
  const result = await q.query<{ observation_id: string; report_id: string }>(
    `SELECT r.target_id AS observation_id, r.id AS report_id FROM search_reference r
     WHERE r.resource_type = 'DiagnosticReport' AND r.param = 'result'
       AND r.target_type = 'Observation' AND r.target_id = ANY($1::text[])
     UNION
     SELECT m.target_id AS observation_id, r.id AS report_id FROM search_reference m
     JOIN search_reference r ON r.resource_type = 'DiagnosticReport' AND r.param = 'result'
       AND r.target_type = 'Observation' AND r.target_id = m.id
     WHERE m.resource_type = 'Observation' AND m.param = 'has-member'
       AND m.target_type = 'Observation' AND m.target_id = ANY($1::text[])`,
    [[...new Set(observationIds)]],
  );
  for (const row of result.rows) {
    const reports = found.get(row.observation_id);
    if (reports) reports.push(row.report_id);
    else found.set(row.observation_id, [row.report_id]);
  }
  return found;
}
