/**
 * POST /fhir/R4/Claim: the pharmacy that dispensed a prescription claims payment for it (0003,
 * 0006 or 0007 → 0008). One claim per prescription: the same Claim again is answered again; any
 * other claim for a claimed prescription is refused. A prescription not released to the caller's
 * pharmacy is refused alike whatever its status (403 FORBIDDEN: see the state machine). The Claim is stored (its patient pointed at
 * the stored Patient) and a `claim` event emitted.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Principal } from '../../platform/auth/principal.js';
import type { Database, Queryable } from '../../platform/database/database.js';
import { forbidden, Problem } from '../../platform/errors/problem.js';
import { createResource, type NewResource, prepareCreate } from '../../platform/fhir/store/repository.js';
import { EMIT_LOCK_NAMESPACE } from '../../platform/outbox/events.js';
import { emit } from '../../platform/outbox/outbox.js';
import {
  assertHeldBy,
  changedMeanwhile,
  claimIssue,
  MAX_CHANGE_ATTEMPTS,
  type PrescriptionRecord,
  type PrescriptionRow,
  type PrescriptionState,
  SUMMARY_COLUMNS,
  saveState,
  toRecord,
  transition,
  withPrescriptionLocked,
} from '../../prescribing/index.js';
import { parseClaim } from './parse-claim.js';

export interface ClaimAccepted {
  shortFormId: string;
  claimId: string;
  patient: string | undefined;
  changed: boolean;
}

export async function acceptClaim(db: Database, input: unknown, caller: Principal): Promise<ClaimAccepted> {
  const parsed = parseClaim(input);
  const { claim } = parsed;
  const pharmacy = caller.org;
  if (!pharmacy) throw forbidden('Claiming needs a token issued for the pharmacy');
  const digest = createHash('sha256').update(JSON.stringify(input)).digest('base64');
  for (let attempt = 1; ; attempt++) {
    const found = await prescriptionAndClaim(db, parsed.shortFormId);
    if (!found)
      throw new Problem('PRESCRIPTION_NOT_FOUND', `Prescription ${parsed.shortFormId} was not found`);
    const { record, previous } = found;
    // Before anything that depends on its status: another pharmacy learns nothing about it.
    if (record.state.repeat) return acceptRepeatClaim(db, parsed, pharmacy, digest);
    assertHeldBy(record.state, pharmacy);
    // A single issue: only issue 1 may be named.
    if (parsed.issue !== undefined) claimIssue(record.state, pharmacy, parsed.issue);
    if (previous) {
      if (previous.claimIdentifier === parsed.claimIdentifier && previous.digest === digest) {
        return {
          shortFormId: parsed.shortFormId,
          claimId: previous.claimId,
          patient: record.patient,
          changed: false,
        };
      }
      throw new Problem(
        'INVALID_STATE_TRANSITION',
        `Prescription ${parsed.shortFormId} has already been claimed`,
      );
    }
    const { state } = transition(record.state, { type: 'claim', pharmacy });
    const { id: _id, meta: _meta, ...content } = claim;
    const stored = prepareCreate({
      ...content,
      ...(record.patient ? { patient: { ...claim.patient, reference: record.patient } } : {}),
    });
    // The Claim is stored once, as a resource; the event refers to it (claim-event.ts).
    const payload = {
      prescriptionId: parsed.shortFormId,
      ...(record.patient ? { patient: record.patient } : {}),
      pharmacy,
    };
    if (await storeClaim(db, { record, state, stored, parsed, digest, pharmacy, payload })) {
      return { shortFormId: parsed.shortFormId, claimId: stored.id, patient: record.patient, changed: true };
    }
    if (attempt >= MAX_CHANGE_ATTEMPTS) throw changedMeanwhile(parsed.shortFormId);
  }
}

/** The prescription (summary) and its claim if it has one, in one query. */
async function prescriptionAndClaim(q: Queryable, shortFormId: string) {
  const result = await q.query<
    PrescriptionRow & { claim: { claim_identifier: string; claim_id: string; digest: string } | null }
  >(
    `SELECT ${SUMMARY_COLUMNS},
       (SELECT row_to_json(c) FROM (
          SELECT claim_identifier, claim_id, digest FROM prescription_claim WHERE short_form_id = $1 AND issue = 1
        ) AS c) AS claim
     FROM prescription WHERE short_form_id = $1`,
    [shortFormId],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  const { claim } = row;
  return {
    record: toRecord(row),
    previous: claim
      ? { claimIdentifier: claim.claim_identifier, claimId: claim.claim_id, digest: claim.digest }
      : undefined,
  };
}

/** The transition, the Claim, the claim row and the event in one statement (migration 0022). */
async function storeClaim(
  q: Queryable,
  input: {
    record: PrescriptionRecord;
    state: PrescriptionState;
    stored: NewResource;
    parsed: ReturnType<typeof parseClaim>;
    digest: string;
    pharmacy: string;
    payload: unknown;
  },
): Promise<boolean> {
  const { stored } = input;
  const claimRow = JSON.stringify({
    id: stored.id,
    last_updated: stored.lastUpdated.toISOString(),
    content: stored.content,
    claim_identifier: input.parsed.claimIdentifier,
    digest: input.digest,
    pharmacy: input.pharmacy,
  });
  try {
    const result = await q.query<{ changed: boolean }>(
      'SELECT dispensing_claim($1, $2, $3::jsonb, $4::jsonb, $5, $6::jsonb, $7) AS changed',
      [
        input.record.shortFormId,
        input.record.version,
        JSON.stringify(input.state),
        `${claimRow.slice(0, -1)},"index":${stored.index}}`,
        randomUUID(),
        JSON.stringify(input.payload),
        EMIT_LOCK_NAMESPACE,
      ],
    );
    return result.rows[0]?.changed === true;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'PW409')
      throw new Problem('CONFLICT', (error as Error).message);
    throw error;
  }
}

/**
 * A claim on a repeat-dispensing (eRD) prescription: per issue (the one it names, else the oldest
 * dispensed issue this pharmacy has not claimed), under the row lock in one transaction, with the
 * issue in the claim row and the event. eRD only: acute claims take the one statement above.
 */
async function acceptRepeatClaim(
  db: Database,
  parsed: ReturnType<typeof parseClaim>,
  pharmacy: string,
  digest: string,
): Promise<ClaimAccepted> {
  const { claim } = parsed;
  return withPrescriptionLocked(db, parsed.shortFormId, async (tx, record) => {
    assertHeldBy(record.state, pharmacy);
    const earlier = await tx.query<{
      claim_identifier: string;
      claim_id: string;
      digest: string;
      issue: number;
    }>('SELECT claim_identifier, claim_id, digest, issue FROM prescription_claim WHERE short_form_id = $1', [
      parsed.shortFormId,
    ]);
    const resent = earlier.rows.find((row) => row.claim_identifier === parsed.claimIdentifier);
    if (resent?.digest === digest) {
      return {
        shortFormId: parsed.shortFormId,
        claimId: resent.claim_id,
        patient: record.patient,
        changed: false,
      };
    }
    const issue = claimIssue(record.state, pharmacy, parsed.issue);
    if (resent || earlier.rows.some((row) => Number(row.issue) === issue)) {
      throw new Problem(
        'INVALID_STATE_TRANSITION',
        `Issue ${issue} of prescription ${parsed.shortFormId} has already been claimed`,
      );
    }
    const { state } = transition(record.state, { type: 'claim', pharmacy, issue });
    await saveState(tx, record, state);
    const { id: _id, meta: _meta, ...content } = claim;
    const stored = await createResource(tx, {
      ...content,
      ...(record.patient ? { patient: { ...claim.patient, reference: record.patient } } : {}),
    });
    await tx.query(
      `INSERT INTO prescription_claim (short_form_id, claim_identifier, claim_id, digest, pharmacy, issue)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [parsed.shortFormId, parsed.claimIdentifier, stored.id, digest, pharmacy, issue],
    );
    await emit(tx, {
      type: 'claim',
      key: parsed.shortFormId,
      payload: {
        prescriptionId: parsed.shortFormId,
        ...(record.patient ? { patient: record.patient } : {}),
        pharmacy,
        issue,
      },
    });
    return { shortFormId: parsed.shortFormId, claimId: stored.id, patient: record.patient, changed: true };
  });
}
