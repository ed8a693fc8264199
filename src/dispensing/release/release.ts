/**
 * Task/$release (docs/api.md §7): a pharmacy takes prescriptions to dispense — the next (up to 25)
 * nominated to it, or one by ID. Every stored prescription's signature is verified again before
 * it leaves (HAZ-TAMPER, HAZ-NO-RIGHT): one that no longer verifies is not released, goes to
 * failedPrescriptions, is kept out of later nominated releases, and raises a clinical-safety event.
 * Concurrent releases of one prescription give it to exactly one pharmacy: a nominated release
 * under row locks, a release by ID by a write that applies only to the version it verified.
 */
import { randomUUID } from 'node:crypto';
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import type { Database, Queryable } from '../../platform/database/database.js';
import { operationOutcome, Problem } from '../../platform/errors/problem.js';
import { EMIT_LOCK_NAMESPACE } from '../../platform/outbox/events.js';
import { emit } from '../../platform/outbox/outbox.js';
import {
  changedMeanwhile,
  changeState,
  findPrescription,
  ISSUE_FINAL,
  MAX_CHANGE_ATTEMPTS,
  PRESCRIPTION_COLUMNS,
  PRESCRIPTION_ISSUE_EXTENSION,
  PRESCRIPTION_ORDER_NUMBER,
  type PrescriptionRecord,
  type PrescriptionRow,
  readPrescriptionOrder,
  saveState,
  startDueIssue,
  toRecord,
  transition,
  type VerificationDeps,
  verifyPrescription,
} from '../../prescribing/index.js';
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
  if (request.shortFormId) return releaseById(deps, request.shortFormId, request.owner, now);
  const { repeatsWaiting, ...plain } = await releaseNominated(deps, request.owner, now);
  const room = NOMINATED_RELEASE_LIMIT - plain.passed.length - plain.failed.length;
  // The locked way only when there is an eRD to release: most pharmacies' releases never open it.
  if (room <= 0 || !repeatsWaiting) return plain;
  const repeats = await releaseLocked(deps, undefined, request.owner, now, room);
  return { passed: [...plain.passed, ...repeats.passed], failed: [...plain.failed, ...repeats.failed] };
}

/**
 * The prescriptions (not eRD) nominated to the pharmacy: read without a lock, each stored
 * signature verified before anything is written, then all released in one statement, each only
 * over the version verified (migration 0029). One another request took meanwhile is left out.
 */
async function releaseNominated(
  deps: ReleaseDeps,
  pharmacy: string,
  now: Date,
): Promise<ReleaseResult & { repeatsWaiting: boolean }> {
  // One row at least (LEFT JOIN): whether an eRD waits for the locked way comes with the candidates.
  const candidates = await deps.db.query<PrescriptionRow & { repeats_waiting: boolean }>(
    `WITH plain AS (
       SELECT ${PRESCRIPTION_COLUMNS} FROM prescription
       WHERE status = '0001' AND nominated_pharmacy = $1 AND release_failure IS NULL AND NOT state ? 'repeat'
       ORDER BY created_at LIMIT $2)
     SELECT plain.*, waiting.repeats_waiting FROM (
       SELECT EXISTS (SELECT 1 FROM prescription
         WHERE nominated_pharmacy = $1 AND release_failure IS NULL
           AND ((status = '0001' AND state ? 'repeat') OR next_issue_at <= $3)) AS repeats_waiting) waiting
     LEFT JOIN plain ON true
     ORDER BY plain.created_at`,
    [pharmacy, NOMINATED_RELEASE_LIMIT, now],
  );
  const repeatsWaiting = candidates.rows[0]?.repeats_waiting === true;
  const result = { passed: [] as Released[], failed: [] as ReleaseFailure[], repeatsWaiting };
  const verified: Released[] = [];
  const rows = candidates.rows.filter((row) => row.short_form_id !== null);
  for (const record of rows.map(toRecord)) {
    const next = transition(record.state, { type: 'release', pharmacy });
    const bundle = storedBundle(record);
    const failure = await verificationFailure(deps.db, deps, record, bundle, now);
    if (failure) {
      result.failed.push(failure);
      deps.onVerificationFailure(failure);
      await markReleaseFailure(deps.db, failure);
      continue;
    }
    verified.push({ record: { ...record, state: next.state }, bundle: bundle! });
  }
  if (verified.length === 0) return result;
  const changes = verified.map(({ record }) => ({
    short_form_id: record.shortFormId,
    version: record.version,
    state: record.state,
    event_id: randomUUID(),
    payload: releasedEvent(record, pharmacy, record.state).payload,
  }));
  const written = await deps.db.query<{ released: string[] }>(
    'SELECT prescription_release_nominated($1::jsonb, $2) AS released',
    [JSON.stringify(changes), EMIT_LOCK_NAMESPACE],
  );
  const released = new Set(written.rows[0]?.released ?? []);
  result.passed.push(...verified.filter(({ record }) => released.has(record.shortFormId)));
  return result;
}

/**
 * Nominated releases, and releases by ID of repeat-dispensing (eRD) prescriptions (a due issue
 * may start first, moving the expiry and the dispensing clock), under row locks in one transaction.
 */
async function releaseLocked(
  deps: ReleaseDeps,
  shortFormId: string | undefined,
  owner: string,
  now: Date,
  limit = NOMINATED_RELEASE_LIMIT,
): Promise<ReleaseResult> {
  const request = { owner };
  return deps.db.transaction(async (tx) => {
    const result: ReleaseResult = { passed: [], failed: [] };
    const ids = shortFormId ? [shortFormId] : await nominatedRepeatsFor(tx, request.owner, now, limit);
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
        await markReleaseFailure(tx, failure);
        continue;
      }
      if (!next.unchanged) {
        await saveState(tx, record, next.state);
        await emit(tx, {
          type: 'prescription-released',
          ...releasedEvent(record, request.owner, next.state),
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
 * (docs/api.md §5), so the pharmacy's copy still verifies.
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

/**
 * One prescription by ID: read without a lock, its stored signature verified before anything is
 * written, then the transition and its event in one statement that applies only if nobody changed
 * the prescription meanwhile (else read, check and verify again). Two pharmacies racing for it:
 * one wins, the other then finds it released and is refused by the state machine. An eRD goes
 * the locked way (releaseLocked): its next issue may have to start first.
 */
async function releaseById(
  deps: ReleaseDeps,
  shortFormId: string,
  pharmacy: string,
  now: Date,
): Promise<ReleaseResult> {
  for (let attempt = 1; ; attempt++) {
    const record = await findPrescription(deps.db, shortFormId);
    if (!record) throw new Problem('PRESCRIPTION_NOT_FOUND', `Prescription ${shortFormId} was not found`);
    if (record.state.repeat) return releaseLocked(deps, shortFormId, pharmacy, now);
    const next = transition(record.state, { type: 'release', pharmacy });
    const bundle = storedBundle(record);
    const failure = await verificationFailure(deps.db, deps, record, bundle, now);
    if (failure) {
      deps.onVerificationFailure(failure);
      await markReleaseFailure(deps.db, failure);
      return { passed: [], failed: [failure] };
    }
    const event = { type: 'prescription-released', ...releasedEvent(record, pharmacy, next.state) };
    if (next.unchanged || (await changeState(deps.db, record, next.state, event))) {
      return { passed: [{ record: { ...record, state: next.state }, bundle: bundle! }], failed: [] };
    }
    if (attempt >= MAX_CHANGE_ATTEMPTS) throw changedMeanwhile(shortFormId);
  }
}

/** The key and payload of a `prescription-released` event (eRD: the issue released). */
function releasedEvent(record: PrescriptionRecord, pharmacy: string, state: PrescriptionRecord['state']) {
  return {
    key: record.shortFormId,
    payload: {
      prescriptionId: record.shortFormId,
      ...(record.patient ? { patient: record.patient } : {}),
      pharmacy,
      ...(state.repeat ? { issue: state.repeat.issue } : {}),
    },
  };
}

/** Kept out of later nominated releases until someone looks at it. */
async function markReleaseFailure(q: Queryable, failure: ReleaseFailure): Promise<void> {
  await q.query('UPDATE prescription SET release_failure = $2 WHERE short_form_id = $1', [
    failure.shortFormId,
    failure.code,
  ]);
}

function storedBundle(record: PrescriptionRecord): Bundle | undefined {
  try {
    return JSON.parse(record.signedBundle) as Bundle;
  } catch {
    return undefined;
  }
}

/** eRD prescriptions nominated to the pharmacy: a first issue waiting, or a next issue now due. */
async function nominatedRepeatsFor(
  tx: Queryable,
  pharmacy: string,
  now: Date,
  limit: number,
): Promise<string[]> {
  const due = await tx.query<{ short_form_id: string }>(
    `SELECT short_form_id FROM prescription
     WHERE status = '0001' AND nominated_pharmacy = $1 AND release_failure IS NULL AND state ? 'repeat'
     ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [pharmacy, limit],
  );
  const ids = due.rows.map((row) => row.short_form_id);
  if (ids.length >= limit) return ids;
  // eRD prescriptions whose next issue has become due and that the job has not started yet.
  const repeats = await tx.query<{ short_form_id: string }>(
    `SELECT short_form_id FROM prescription
     WHERE next_issue_at <= $2 AND nominated_pharmacy = $1 AND release_failure IS NULL
     ORDER BY next_issue_at LIMIT $3 FOR UPDATE SKIP LOCKED`,
    [pharmacy, now, limit - ids.length],
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
    let order: ReturnType<typeof readPrescriptionOrder>;
    try {
      order = readPrescriptionOrder(bundle);
    } catch (error) {
      // It was valid when accepted: a stored order that no longer reads (a Problem, or a wrong
      // shape the rules trip over) has been changed.
      const reason = error instanceof Problem ? error.message : 'it is no longer the shape it was';
      throw new Problem('INVALID_SIGNATURE', `The stored prescription was changed: ${reason}`);
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
              system: PRESCRIPTION_ORDER_NUMBER,
              value: record.shortFormId,
            },
          },
        ],
      },
    };
  }
}
