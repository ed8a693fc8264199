/**
 * Accepting a prescription-order-update (cancel): the original prescriber only; each named item
 * goes through the state machine and gets its R-code. Cancelled items' MedicationRequests become
 * `cancelled`; a pharmacy holding the prescription gets a Communication; a `prescription-cancel`
 * event is emitted when anything was cancelled. A resend of the same message gets the same answer.
 */
import type { Bundle, MedicationRequest } from '@medplum/fhirtypes';
import type { Principal } from '../../platform/auth/principal.js';
import type { Database, Queryable } from '../../platform/database/database.js';
import { forbidden } from '../../platform/errors/problem.js';
import { createResource, readCurrent, updateResource } from '../../platform/fhir/store/repository.js';
import { emit } from '../../platform/outbox/outbox.js';
import type { CancelCode } from '../status/state-machine.js';
import { transition } from '../status/state-machine.js';
import { findMessage, findPrescription, recordMessage, saveState } from '../store/prescriptions.js';
import { cancelResponse } from './cancel-response.js';
import { type ParsedCancel, parseCancel } from './parse-cancel.js';
import { cancellationNotice } from './pharmacy-notice.js';

const KIND = 'prescription-order-update';
/** The sender of our responses. */
const SERVICE_ODS = 'X26PW';

export interface CancelAccepted {
  response: Bundle;
  patient: string | undefined;
  shortFormId: string;
  cancelled: string[];
}

export async function submitCancel(
  db: Database,
  input: unknown,
  caller: Principal,
  now = new Date(),
): Promise<CancelAccepted> {
  const cancel = parseCancel(input);
  const { bundle } = cancel;
  const earlier = await findMessage(db, cancel.messageId);
  if (earlier && earlier.kind === KIND && earlier.shortFormId === cancel.shortFormId) {
    return { ...(earlier.response as Omit<CancelAccepted, 'shortFormId'>), shortFormId: cancel.shortFormId };
  }
  return db.transaction(async (tx) => {
    const record = await findPrescription(tx, cancel.shortFormId, { forUpdate: true });
    if (!record) {
      const outcomes = new Map(cancel.items.map((item) => [item.located.index, 'R-0008' as CancelCode]));
      return finish(tx, cancel, {
        response: cancelResponse(bundle, outcomes, { at: now, sender: SERVICE_ODS }),
        patient: undefined,
        cancelled: [],
      });
    }
    if (caller.fhirUser !== record.prescriber) {
      throw forbidden('Only the prescriber who issued a prescription can cancel it');
    }
    const result = transition(record.state, { type: 'cancel', itemIds: cancel.items.map((item) => item.id) });
    const codes = new Map(result.cancelled?.map((outcome) => [outcome.itemId, outcome.code]));
    const outcomes = new Map(
      cancel.items.map((item) => [item.located.index, codes.get(item.id) ?? 'R-0008']),
    );
    const cancelledNow = cancel.items.filter((item) =>
      ['R-0001', 'R-0002'].includes(codes.get(item.id) ?? ''),
    );
    if (cancelledNow.length > 0) {
      await saveState(tx, record, result.state);
      for (const item of cancelledNow) await markItemCancelled(tx, item.id, item.located.resource);
      const withPharmacy = cancelledNow.filter((item) => codes.get(item.id) === 'R-0002');
      if (withPharmacy.length > 0 && record.dispenser) {
        await createResource(
          tx,
          cancellationNotice({
            shortFormId: record.shortFormId,
            itemIds: withPharmacy.map((item) => item.id),
            prescriberOrg: record.prescriberOrg,
            pharmacy: record.dispenser,
            patient: record.patient,
            reason: withPharmacy[0]!.reason,
            at: now,
          }),
        );
      }
      const response = cancelResponse(bundle, outcomes, { at: now, sender: SERVICE_ODS });
      await emit(tx, {
        type: 'prescription-cancel',
        key: record.shortFormId,
        payload: {
          prescriptionId: record.shortFormId,
          ...(record.patient ? { patient: record.patient } : {}),
          prescriberOrg: record.prescriberOrg,
          status: result.state.status,
          resource: input,
        },
      });
      return finish(tx, cancel, {
        response,
        patient: record.patient,
        cancelled: cancelledNow.map((item) => item.id),
      });
    }
    return finish(tx, cancel, {
      response: cancelResponse(bundle, outcomes, { at: now, sender: SERVICE_ODS }),
      patient: record.patient,
      cancelled: [],
    });
  });
}

async function finish(
  tx: Queryable,
  cancel: ParsedCancel,
  answer: Omit<CancelAccepted, 'shortFormId'>,
): Promise<CancelAccepted> {
  await recordMessage(tx, cancel.messageId, {
    shortFormId: cancel.shortFormId,
    kind: KIND,
    digest: '',
    response: answer,
  });
  return { ...answer, shortFormId: cancel.shortFormId };
}

async function markItemCancelled(tx: Queryable, itemId: string, request: MedicationRequest): Promise<void> {
  const stored = await readCurrent(tx, 'MedicationRequest', itemId, { forUpdate: true });
  if (!stored || stored.deleted) return;
  const current = JSON.parse(stored.content) as MedicationRequest;
  await updateResource(tx, 'MedicationRequest', itemId, {
    ...current,
    status: 'cancelled',
    ...(request.statusReason ? { statusReason: request.statusReason } : {}),
  });
}
