/**
 * An accepted prescription-order stored in one statement (prescribing_store_order, migration
 * 0022): the patient found or created under a lock on its NHS/CHI number, the prescription, its
 * items as MedicationRequests with their history and index rows, the message receipt and the
 * `prescription-order` event. One round trip and one commit instead of a transaction of many.
 */
import type { Patient } from '@medplum/fhirtypes';
import type { Queryable } from '../../platform/database/database.js';
import { Problem } from '../../platform/errors/problem.js';
import type { NewResource } from '../../platform/fhir/store/repository.js';
import { EMIT_LOCK_NAMESPACE } from '../../platform/outbox/events.js';
import type { NewPrescription } from './prescriptions.js';

/** Advisory lock namespace for "a patient with this identifier is being created". */
export const PATIENT_LOCK_NAMESPACE = 7_301_011;

/** SQLSTATE the function raises when an item's id is taken (a 409, as createResource gives). */
const ITEM_CONFLICT = 'PW409';

export interface OrderToStore {
  prescription: Omit<NewPrescription, 'patient'>;
  /**
   * The patient to create when none has the order's NHS/CHI number. Its id stands for the
   * patient in `items` and `eventPayload` until the function knows which patient it is.
   */
  newPatient: NewResource;
  items: NewResource[];
  message: { kind: string; response: unknown };
  eventId: string;
  /** The event's payload as JSON text. */
  eventPayload: string;
}

/** `Patient/<id>` of the order's patient; undefined when the prescription ID was taken meanwhile. */
export async function storeOrder(q: Queryable, order: OrderToStore): Promise<string | undefined> {
  const p = order.prescription;
  const fields = {
    short_form_id: p.shortFormId,
    long_form_id: p.longFormId,
    message_id: p.messageId,
    payload_digest: p.payloadDigest,
    status: p.state.status,
    state: p.state,
    prescriber: p.prescriber,
    prescriber_org: p.prescriberOrg,
    nominated_pharmacy: p.nominatedPharmacy ?? null,
    patient_system: p.patientSystem,
    patient_value: p.patientValue,
    controlled: p.controlled,
    sig_t: p.sigT.toISOString(),
    valid_from: p.validFrom.toISOString(),
    expires_at: p.expiresAt.toISOString(),
    kind: order.message.kind,
    response: order.message.response,
    event_id: order.eventId,
    patient_lock: PATIENT_LOCK_NAMESPACE,
    emit_lock: EMIT_LOCK_NAMESPACE,
  };
  // The index document is JSON already: spliced in rather than parsed and written again.
  const resource = (r: NewResource) =>
    `${JSON.stringify({ type: r.resourceType, id: r.id, last_updated: r.lastUpdated.toISOString(), content: r.content }).slice(0, -1)},"index":${r.index}}`;
  try {
    const result = await q.query<{ patient: string | null }>(
      'SELECT prescribing_store_order($1::jsonb, $2, $3::jsonb, $4::jsonb, $5) AS patient',
      [
        JSON.stringify(fields),
        p.signedBundle,
        resource(order.newPatient),
        `[${order.items.map(resource).join(',')}]`,
        order.eventPayload,
      ],
    );
    return result.rows[0]?.patient ?? undefined;
  } catch (error) {
    if ((error as { code?: unknown }).code === ITEM_CONFLICT) {
      throw new Problem('CONFLICT', (error as Error).message);
    }
    throw error;
  }
}

/** The Patient a prescription's patient becomes when the service has not seen them before. */
export function patientFromOrder(patient: Patient): Patient {
  const { id: _bundleId, meta: _meta, ...demographics } = patient;
  return { ...demographics, resourceType: 'Patient' };
}
