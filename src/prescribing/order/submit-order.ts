/**
 * Accepting a prescription-order: parse and validate, check idempotency, verify the signature
 * and the right to prescribe, then store the prescription, its items (as MedicationRequests),
 * the patient if new, the message receipt and the `prescription-order` event in one transaction.
 * Any refusal happens before the transaction, or rolls it back: a rejection stores nothing.
 */
import { randomUUID } from 'node:crypto';
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { Principal } from '../../platform/auth/principal.js';
import type { Database, Queryable } from '../../platform/database/database.js';
import { forbidden, informational, invalid, Problem } from '../../platform/errors/problem.js';
import { prepareCreate } from '../../platform/fhir/store/repository.js';
import { payloadDigest } from '../../signing/index.js';
import { initialRepeatState } from '../repeat/repeat-state.js';
import { type VerificationDeps, verifyPrescription } from '../signature/verify-prescription.js';
import type { PrescriptionState } from '../status/state-machine.js';
import { findOrderResend } from '../store/prescriptions.js';
import { patientFromOrder, storeOrder } from '../store/store-order.js';
import { expiryOf, validFromOf } from './expiry.js';
import { orderEventPayload } from './order-event.js';
import { storedItem } from './order-items.js';
import { type ParsedOrder, parsePrescriptionOrder } from './parse-order.js';

export interface OrderDeps extends VerificationDeps {
  db: Database;
}

export interface OrderAccepted {
  outcome: OperationOutcome;
  /** False for an idempotent resend: nothing was stored. */
  stored: boolean;
  shortFormId: string;
  patient: string | undefined;
  /** `MedicationRequest/<id>` of each item, for the audit record. */
  items: string[];
}

const KIND = 'prescription-order';

export async function submitOrder(
  deps: OrderDeps,
  input: unknown,
  caller: Principal,
  now = new Date(),
): Promise<OrderAccepted> {
  const order = parsePrescriptionOrder(input);
  const { bundle } = order;
  if (!caller.org || caller.org !== order.organisationOds) {
    throw forbidden(
      `Prescriptions of ${order.organisationOds} can only be sent with a token for that organisation`,
    );
  }
  // The payload is canonicalised once: by the verification for a new order, here for a resend.
  const resend = await idempotentAnswer(deps.db, order, () => payloadDigest(bundle));
  if (resend) return resend;

  const verified = await verifyPrescription(deps.db, bundle, order, deps, { now, mode: 'submission' });
  const digest = verified.payloadDigest;
  if (caller.fhirUser !== verified.prescriber) {
    throw new Problem('SIGNER_MISMATCH', 'The caller is not the prescriber who signed this prescription');
  }
  const validFrom = validFromOf(order, verified.sigT);
  const repeat = order.repeatDispensing ? initialRepeatState(order.repeatDispensing) : undefined;
  if (repeat && new Date(repeat.authorisedUntil) <= validFrom) {
    throw invalid(
      'The repeat-dispensing authorisation expires before the prescription becomes valid',
      'MedicationRequest.extension',
    );
  }
  // Issue 1 keeps the usual validity; no issue outlives the authorisation.
  const expiresAt = earliest(
    expiryOf(validFrom, order.controlled),
    repeat && new Date(repeat.authorisedUntil),
  );
  const outcome = informational(`Prescription ${order.shortFormId} accepted`);
  const state: PrescriptionState = {
    status: '0001',
    ...(order.nominatedPharmacy ? { nominatedPharmacy: order.nominatedPharmacy } : {}),
    items: order.items.map((item) => ({
      id: item.id,
      prescribedQuantity: item.quantity,
      cancelled: false,
      expired: false,
    })),
    dispenses: [],
    ...(repeat ? { repeat } : {}),
  };
  // The new patient's id stands for whichever patient the order turns out to be for (store-order.ts).
  const newPatient = prepareCreate(patientFromOrder(order.patient.resource), { now });
  const placeholder = `Patient/${newPatient.id}`;
  const items = order.items.map((item) =>
    prepareCreate(storedItem(order, item, { patient: placeholder, prescriber: verified.prescriber }), {
      id: item.id,
      now,
    }),
  );
  const patient = await storeOrder(deps.db, {
    prescription: {
      shortFormId: order.shortFormId,
      longFormId: order.longFormId,
      messageId: order.messageId,
      payloadDigest: digest,
      state,
      prescriber: verified.prescriber,
      prescriberOrg: order.organisationOds,
      nominatedPharmacy: order.nominatedPharmacy,
      patientSystem: order.patient.identifier.system,
      patientValue: order.patient.identifier.value,
      controlled: order.controlled,
      sigT: verified.sigT,
      validFrom,
      expiresAt,
      signedBundle: JSON.stringify(input),
    },
    newPatient,
    items,
    message: { kind: KIND, response: outcome },
    eventId: randomUUID(),
    // The signed Bundle is stored once, above; the event refers to it (order-event.ts).
    eventPayload: orderEventPayload({
      prescriptionId: order.shortFormId,
      patient: placeholder,
      prescriberOrg: order.organisationOds,
      ...(order.nominatedPharmacy ? { nominatedPharmacy: order.nominatedPharmacy } : {}),
    }),
  });
  const stored = patient
    ? { patient, items: items.map((item) => `MedicationRequest/${item.id}`) }
    : undefined;
  if (!stored) {
    const raced = await idempotentAnswer(deps.db, order, () => digest);
    if (raced) return raced;
    throw duplicate(order.shortFormId);
  }
  return {
    outcome,
    stored: true,
    shortFormId: order.shortFormId,
    patient: stored.patient,
    items: stored.items,
  };
}

/** A resend of a stored prescription (same signed content): its answer again; other content: 409. */
async function idempotentAnswer(
  q: Queryable,
  order: ParsedOrder,
  digest: () => string,
): Promise<OrderAccepted | undefined> {
  const { message, existing } = await findOrderResend(q, order.messageId, order.shortFormId);
  if (message && (message.kind !== KIND || message.shortFormId !== order.shortFormId)) {
    throw new Problem('INVALID_VALUE', `Message ${order.messageId} was already used for another message`, {
      expression: 'Bundle.identifier',
    });
  }
  if (!existing) return undefined;
  if (existing.payloadDigest !== digest()) throw duplicate(order.shortFormId);
  return {
    outcome: informational(`Prescription ${order.shortFormId} accepted`),
    stored: false,
    shortFormId: order.shortFormId,
    patient: existing.patient,
    items: order.items.map((item) => `MedicationRequest/${item.id}`),
  };
}

function earliest(first: Date, second: Date | undefined): Date {
  return second && second < first ? second : first;
}

function duplicate(shortFormId: string): Problem {
  return new Problem(
    'DUPLICATE_PRESCRIPTION_ID',
    `Prescription ID ${shortFormId} is already used by a prescription with other content`,
    { expression: 'MedicationRequest.groupIdentifier' },
  );
}
