/**
 * Task/$release (CONTRACT.md §7): a pharmacy takes prescriptions to dispense — the next (up to 25)
 * nominated to it, or one by ID. Every stored prescription's signature is verified again before
 * it leaves (HAZ-TAMPER, HAZ-NO-RIGHT): one that no longer verifies is not released, goes to
 * failedPrescriptions, is kept out of later nominated releases, and raises a clinical-safety event.
 * The row lock makes concurrent releases of one prescription give it to exactly one pharmacy.
 */
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import type { Database, Queryable } from '../../platform/database/database.js';
import { operationOutcome, Problem } from '../../platform/errors/problem.js';
import { emit } from '../../platform/outbox/outbox.js';
import { parsePrescriptionOrder } from '../../prescribing/order/parse-order.js';
import { ISSUE_FINAL, PRESCRIPTION_ISSUE_EXTENSION } from '../../prescribing/repeat/repeat-state.js';
import { startDueIssue } from '../../prescribing/repeat/start-issue.js';
import {
  type VerificationDeps,
  verifyPrescription,
} from '../../prescribing/signature/verify-prescription.js';
import { transition } from '../../prescribing/status/state-machine.js';
import {
  findPrescription,
  type PrescriptionRecord,
  saveState,
} from '../../prescribing/store/prescriptions.js';
import type { ReleaseRequest } from './parse-release.js';

export const NOMINATED_RELEASE_LIMIT = 25;

export interface Released {
  record: PrescriptionRecord;
  bundle: Bundle;
}

export interface ReleaseFailure {
  shortFormId: string;
  patient: string | undefined;
  outcome: OperationOutcome;
  code: string;
}

export interface ReleaseResult {
  passed: Released[];
  failed: ReleaseFailure[];
}

export interface ReleaseDeps extends VerificationDeps {
  db: Database;
  /** Called for each prescription refused because it no longer verifies. */
  onVerificationFailure(failure: ReleaseFailure): void;
}

export async function releasePrescriptions(
  deps: ReleaseDeps,
  request: ReleaseRequest,
  now = new Date(),
): Promise<ReleaseResult> {
  return deps.db.transaction(async (tx) => {
    const result: ReleaseResult = { passed: [], failed: [] };
    const ids = request.shortFormId ? [request.shortFormId] : await nominatedFor(tx, request.owner, now);
    for (const shortFormId of ids) {
      const found = await findPrescription(tx, shortFormId, { forUpdate: true });
      if (!found) throw new Problem('PRESCRIPTION_NOT_FOUND', `Prescription ${shortFormId} was not found`);
      // An eRD whose next issue is due: start it here rather than wait for the job.
      const record = await startDueIssue(tx, found, now);
      if (record.state.repeat && ISSUE_FINAL.includes(record.status)) {
        // Says why (not yet available, and from when; no issues left; authorisation expired).
        transition(record.state, { type: 'next-issue', at: now.toISOString() });
      }
      const next = transition(record.state, { type: 'release', pharmacy: request.owner });
      const bundle = storedBundle(record);
      const failure = await verificationFailure(tx, deps, record, bundle, now);
      if (failure) {
        result.failed.push(failure);
        deps.onVerificationFailure(failure);
        await tx.query('UPDATE prescription SET release_failure = $2 WHERE short_form_id = $1', [
          shortFormId,
          failure.code,
        ]);
        continue;
      }
      if (!next.unchanged) {
        await saveState(tx, record, next.state);
        await emit(tx, {
          type: 'prescription-released',
          key: shortFormId,
          payload: {
            prescriptionId: shortFormId,
            ...(record.patient ? { patient: record.patient } : {}),
            pharmacy: request.owner,
            ...(next.state.repeat ? { issue: next.state.repeat.issue } : {}),
          },
        });
      }
      result.passed.push({
        record: { ...record, state: next.state },
        bundle: withIssue(bundle!, next.state.repeat),
      });
    }
    return result;
  });
}

/**
 * The released issue of an eRD, said in Bundle.meta: the signed payload leaves out Bundle.meta
 * (CONTRACT.md §5), so the pharmacy's copy still verifies.
 */
function withIssue(bundle: Bundle, repeat: PrescriptionRecord['state']['repeat']): Bundle {
  if (!repeat) return bundle;
  return {
    ...bundle,
    meta: {
      ...bundle.meta,
      extension: [
        ...(bundle.meta?.extension ?? []).filter(
          (extension) => extension.url !== PRESCRIPTION_ISSUE_EXTENSION,
        ),
        {
          url: PRESCRIPTION_ISSUE_EXTENSION,
          extension: [
            { url: 'issueNumber', valueUnsignedInt: repeat.issue },
            { url: 'issuesAuthorised', valueUnsignedInt: repeat.issues },
          ],
        },
      ],
    },
  };
}

function storedBundle(record: PrescriptionRecord): Bundle | undefined {
  try {
    return JSON.parse(record.signedBundle) as Bundle;
  } catch {
    return undefined;
  }
}

async function nominatedFor(tx: Queryable, pharmacy: string, now: Date): Promise<string[]> {
  const due = await tx.query<{ short_form_id: string }>(
    `SELECT short_form_id FROM prescription
     WHERE status = '0001' AND nominated_pharmacy = $1 AND release_failure IS NULL
     ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [pharmacy, NOMINATED_RELEASE_LIMIT],
  );
  const ids = due.rows.map((row) => row.short_form_id);
  if (ids.length >= NOMINATED_RELEASE_LIMIT) return ids;
  // eRD prescriptions whose next issue has become due and that the job has not started yet.
  const repeats = await tx.query<{ short_form_id: string }>(
    `SELECT short_form_id FROM prescription
     WHERE next_issue_at <= $2 AND nominated_pharmacy = $1 AND release_failure IS NULL
     ORDER BY next_issue_at LIMIT $3 FOR UPDATE SKIP LOCKED`,
    [pharmacy, now, NOMINATED_RELEASE_LIMIT - ids.length],
  );
  return [...ids, ...repeats.rows.map((row) => row.short_form_id)];
}

async function verificationFailure(
  tx: Queryable,
  deps: VerificationDeps,
  record: PrescriptionRecord,
  bundle: Bundle | undefined,
  now: Date,
): Promise<ReleaseFailure | undefined> {
  try {
    if (!bundle)
      throw new Problem('INVALID_SIGNATURE', 'The stored prescription is no longer a JSON document');
    let order: ReturnType<typeof parsePrescriptionOrder>;
    try {
      order = parsePrescriptionOrder(bundle);
    } catch (error) {
      // It was valid when accepted: a stored order that no longer parses has been changed.
      if (error instanceof Problem)
        throw new Problem('INVALID_SIGNATURE', `The stored prescription was changed: ${error.message}`);
      throw error;
    }
    if (order.shortFormId !== record.shortFormId) {
      throw new Problem('INVALID_SIGNATURE', 'The stored prescription is not the one this record describes');
    }
    await verifyPrescription(tx, bundle, order, deps, { now, mode: 'release' });
    return undefined;
  } catch (error) {
    if (!(error instanceof Problem) || error.status >= 500) throw error;
    const code = error.code;
    return {
      shortFormId: record.shortFormId,
      patient: record.patient,
      code,
      outcome: {
        ...operationOutcome([
          {
            code,
            diagnostics: `Prescription ${record.shortFormId} was not released: ${error.issues[0]!.diagnostics}`,
          },
        ]),
        extension: [
          {
            url: 'https://fhir.nhs.uk/StructureDefinition/Extension-Spine-SupportingInfo-prescription',
            valueIdentifier: {
              system: 'https://fhir.nhs.uk/Id/prescription-order-number',
              value: record.shortFormId,
            },
          },
        ],
      },
    };
  }
}
