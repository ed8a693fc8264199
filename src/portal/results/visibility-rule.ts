/**
 * The results' patient visibility rules, registered with the platform's FHIR routes: which of a
 * patient's DiagnosticReports and Observations they may see now, and "seen" on the first view.
 */
import type { Observation, Resource } from '@medplum/fhirtypes';
import { ownPatient } from '../../platform/auth/policy.js';
import type { Principal } from '../../platform/auth/principal.js';
import type { Database, Queryable } from '../../platform/database/database.js';
import type { PatientVisibility } from '../../platform/fhir/patient-visibility.js';
import { emit } from '../../platform/outbox/outbox.js';
import { markSeen, releasesOf, reportsReferring } from './release-store.js';
import { isObservationVisible, isReleasedTo } from './visibility.js';

export interface ResultVisibilityDeps {
  db: Database;
  now: () => Date;
}

export function registerResultVisibility(visibility: PatientVisibility, deps: ResultVisibilityDeps): void {
  visibility.register('DiagnosticReport', {
    visible: (q, resources, principal) => visibleReports(q, resources, principal, deps.now()),
    shown: (resources, principal) => recordSeen(deps, resources, principal),
  });
  visibility.register('Observation', {
    visible: (q, resources, principal) => visibleObservations(q, resources, principal, deps.now()),
  });
}

async function visibleReports(
  q: Queryable,
  resources: readonly Resource[],
  principal: Principal,
  now: Date,
): Promise<Resource[]> {
  const patient = ownPatient(principal);
  const releases = await releasesOf(q, ids(resources));
  return resources.filter((report) => isReleasedTo(releases.get(report.id ?? ''), patient, now));
}

async function visibleObservations(
  q: Queryable,
  resources: readonly Resource[],
  principal: Principal,
  now: Date,
): Promise<Resource[]> {
  const patient = ownPatient(principal);
  const referring = await reportsReferring(q, ids(resources));
  const releases = await releasesOf(q, [...referring.values()].flat());
  const visibleReportIds = new Set(
    [...releases.values()].filter((release) => isReleasedTo(release, patient, now)).map((r) => r.reportId),
  );
  return resources.filter((observation) =>
    isObservationVisible(
      observation as Observation,
      referring.get(observation.id ?? '') ?? [],
      visibleReportIds,
    ),
  );
}

/** The first time a released report reaches its patient: `seen_at` once, and `result-seen`. */
async function recordSeen(deps: ResultVisibilityDeps, resources: readonly Resource[], principal: Principal) {
  const patient = ownPatient(principal);
  if (!patient) return;
  const now = deps.now();
  // Most views are repeat views: look before opening a transaction.
  const unseen = [...(await releasesOf(deps.db, ids(resources))).values()]
    .filter((release) => release.seenAt === undefined && isReleasedTo(release, patient, now))
    .map((release) => release.reportId);
  if (unseen.length === 0) return;
  await deps.db.transaction(async (tx) => {
    for (const release of await markSeen(tx, unseen, patient, now)) {
      await emit(tx, {
        type: 'result-seen',
        key: `DiagnosticReport/${release.reportId}`,
        payload: { patient, report: `DiagnosticReport/${release.reportId}`, seenAt: now.toISOString() },
      });
    }
  });
}

function ids(resources: readonly Resource[]): string[] {
  return resources.flatMap((resource) => (resource.id ? [resource.id] : []));
}
