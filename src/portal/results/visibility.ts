/**
 * HAZ-EARLY-RESULT, the rules (pure): a patient sees a DiagnosticReport only after a clinician
 * released it for them and the safety delay has passed, and sees the Observations it reports
 * only through such a report.
 */
import type { DiagnosticReport, Observation } from '@medplum/fhirtypes';
import { Problem } from '../../platform/errors/problem.js';

export interface Release {
  reportId: string;
  /** Patient/<id> the report was about when released. */
  patient: string;
  releasedAt: Date;
  releasedBy: string;
  visibleFrom: Date;
  seenAt: Date | undefined;
}

/** Reports a clinician may release: the results are complete (not registered or preliminary). */
export const RELEASABLE_STATUSES: ReadonlySet<string> = new Set([
  'final',
  'amended',
  'corrected',
  'appended',
]);

export function visibleFromOf(releasedAt: Date, delayS: number): Date {
  return new Date(releasedAt.getTime() + delayS * 1000);
}

/** Released for this very patient, and the delay has passed. */
export function isReleasedTo(release: Release | undefined, patient: string | undefined, now: Date): boolean {
  return (
    release !== undefined &&
    patient !== undefined &&
    release.patient === patient &&
    release.visibleFrom.getTime() <= now.getTime()
  );
}

/** Why a report cannot be released, or undefined when it can. */
export function releaseRefusal(report: DiagnosticReport, patient: string | undefined): Problem | undefined {
  if (patient === undefined) {
    return new Problem('INVALID_STATE_TRANSITION', 'The report has no patient (subject) to release it to', {
      expression: 'DiagnosticReport.subject',
    });
  }
  if (!RELEASABLE_STATUSES.has(report.status)) {
    return new Problem(
      'INVALID_STATE_TRANSITION',
      `A ${report.status} report cannot be released; only ${[...RELEASABLE_STATUSES].join(', ')} ones`,
      { expression: 'DiagnosticReport.status' },
    );
  }
  return undefined;
}

const CATEGORY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/observation-category';

export function isLaboratory(observation: Observation): boolean {
  return (observation.category ?? []).some((category) =>
    (category.coding ?? []).some(
      (coding) =>
        coding.code === 'laboratory' && (coding.system === undefined || coding.system === CATEGORY_SYSTEM),
    ),
  );
}

/**
 * An Observation that a report refers to (in `result`, or as a member of a panel in `result`) is
 * visible only when one of those reports is. One that no report refers to is the patient's own
 * record (e.g. a blood pressure) — unless it is a laboratory result, which reaches a patient
 * only through a released report even while the feed has not linked it yet.
 */
export function isObservationVisible(
  observation: Observation,
  referencingReports: readonly string[],
  visibleReports: ReadonlySet<string>,
): boolean {
  if (referencingReports.length === 0) return !isLaboratory(observation);
  return referencingReports.some((reportId) => visibleReports.has(reportId));
}
