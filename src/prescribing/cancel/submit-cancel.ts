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
import { prepareCreate, prepareVersion, type ResourceVersion } from '../../platform/fhir/store/repository.js';
import { validateResource } from '../../platform/fhir/validation/index.js';
import type { CancelCode } from '../status/state-machine.js';
import { transition } from '../status/state-machine.js';
import {
  changedMeanwhile,
  findMessage,
  MAX_CHANGE_ATTEMPTS,
  type PrescriptionRecord,
  type PrescriptionRow,
  recordMessage,
  SUMMARY_COLUMNS,
  toRecord,
} from '../store/prescriptions.js';
import { writeTransition } from '../store/transition-write.js';
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
  // Read without a lock (the prescription and its items), decided, and written in one statement
  // over the versions read (migration 0029); a request that lost a race reads and decides again.
  for (let attempt = 1; ; attempt++) {
    const { record, items } = await readForCancel(db, cancel);
    if (!record) {
      const outcomes = new Map(cancel.items.map((item) => [item.located.index, 'R-0008' as CancelCode]));
      return finish(db, cancel, {
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
    const response = cancelResponse(bundle, outcomes, { at: now, sender: SERVICE_ODS });
    if (cancelledNow.length === 0) {
      return finish(db, cancel, { response, patient: record.patient, cancelled: [] });
    }
    const withPharmacy = cancelledNow.filter((item) => codes.get(item.id) === 'R-0002');
    const notice =
      withPharmacy.length > 0 && record.dispenser
        ? prepareCreate(
            cancellationNotice({
              shortFormId: record.shortFormId,
              itemIds: withPharmacy.map((item) => item.id),
              prescriberOrg: record.prescriberOrg,
              pharmacy: record.dispenser,
              patient: record.patient,
              reason: withPharmacy[0]!.reason,
              at: now,
            }),
          )
        : undefined;
    const answer = { response, patient: record.patient, cancelled: cancelledNow.map((item) => item.id) };
    const written = await writeTransition(db, {
      record,
      state: result.state,
      resources: cancelledItems(items, cancelledNow, now),
      ...(notice ? { created: [notice] } : {}),
      event: {
        type: 'prescription-cancel',
        payload: {
          prescriptionId: record.shortFormId,
          ...(record.patient ? { patient: record.patient } : {}),
          prescriberOrg: record.prescriberOrg,
          status: result.state.status,
          resource: input,
        },
      },
      message: { messageId: cancel.messageId, kind: KIND, digest: '', response: answer },
    });
    if (written) return { ...answer, shortFormId: cancel.shortFormId };
    if (attempt >= MAX_CHANGE_ATTEMPTS) throw changedMeanwhile(cancel.shortFormId);
  }
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

interface StoredItem {
  id: string;
  version_id: number;
  content: string;
}

/** The prescription (no signed Bundle) and the current versions of the items named, in one query. */
async function readForCancel(
  q: Queryable,
  cancel: ParsedCancel,
): Promise<{ record: PrescriptionRecord | undefined; items: Map<string, StoredItem> }> {
  const result = await q.query<PrescriptionRow & { items: StoredItem[] | null }>(
    `SELECT ${SUMMARY_COLUMNS},
       (SELECT json_agg(json_build_object('id', r.id, 'version_id', r.version_id, 'content', r.content))
          FROM fhir_resource r
         WHERE r.resource_type = 'MedicationRequest' AND r.id = ANY($2::text[]) AND NOT r.deleted) AS items
     FROM prescription WHERE short_form_id = $1`,
    [cancel.shortFormId, cancel.items.map((item) => item.id)],
  );
  const row = result.rows[0];
  return {
    record: row ? toRecord(row) : undefined,
    items: new Map((row?.items ?? []).map((item) => [item.id, item])),
  };
}

/** The cancelled items' new MedicationRequest versions (an item already gone is left alone). */
function cancelledItems(
  current: Map<string, StoredItem>,
  items: ParsedCancel['items'],
  now: Date,
): ResourceVersion[] {
  return items.flatMap((item) => {
    const stored = current.get(item.id);
    if (!stored) return [];
    const request = item.located.resource;
    const cancelled = {
      ...(JSON.parse(stored.content) as MedicationRequest),
      status: 'cancelled',
      ...(request.statusReason ? { statusReason: request.statusReason } : {}),
    } as MedicationRequest;
    return [prepareVersion(validateResource(cancelled), { versionId: stored.version_id }, now)];
  });
}
