/**
 * POST /fhir/R4/Claim: the pharmacy that dispensed a prescription claims payment for it (0003,
 * 0006 or 0007 → 0008). One claim per prescription: the same Claim again is answered again; any
 * other claim for a claimed prescription is refused. A prescription not released to the caller's
 * pharmacy is refused alike whatever its status (403 FORBIDDEN: see the state machine). The Claim is stored (its patient pointed at
 * the stored Patient) and a `claim` event emitted.
 */
import { createHash } from 'node:crypto';
import type { Claim } from '@medplum/fhirtypes';
import type { Principal } from '../../platform/auth/principal.js';
import type { Database } from '../../platform/database/database.js';
import { forbidden, Problem } from '../../platform/errors/problem.js';
import { createResource } from '../../platform/fhir/store/repository.js';
import { validateResource } from '../../platform/fhir/validation/index.js';
import { emit } from '../../platform/outbox/outbox.js';
import { claimIssue } from '../../prescribing/repeat/repeat-transitions.js';
import { assertHeldBy, transition } from '../../prescribing/status/state-machine.js';
import { findPrescription, saveState } from '../../prescribing/store/prescriptions.js';
import { parseClaim } from './parse-claim.js';

export interface ClaimAccepted {
  shortFormId: string;
  claimId: string;
  patient: string | undefined;
  changed: boolean;
}

export async function acceptClaim(db: Database, input: unknown, caller: Principal): Promise<ClaimAccepted> {
  const parsed = parseClaim(input);
  const claim = validateResource(input) as Claim;
  const pharmacy = caller.org;
  if (!pharmacy) throw forbidden('Claiming needs a token issued for the pharmacy');
  const digest = createHash('sha256').update(JSON.stringify(input)).digest('base64');
  return db.transaction(async (tx) => {
    const record = await findPrescription(tx, parsed.shortFormId, { forUpdate: true, summary: true });
    if (!record)
      throw new Problem('PRESCRIPTION_NOT_FOUND', `Prescription ${parsed.shortFormId} was not found`);
    // Before anything that depends on its status: another pharmacy learns nothing about it.
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
        record.state.repeat
          ? `Issue ${issue} of prescription ${parsed.shortFormId} has already been claimed`
          : `Prescription ${parsed.shortFormId} has already been claimed`,
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
        ...(record.state.repeat ? { issue } : {}),
        resource: stored.resource,
      },
    });
    return { shortFormId: parsed.shortFormId, claimId: stored.id, patient: record.patient, changed: true };
  });
}
