/**
 * The `prescription-order` event, stored once. Its outbox row carries the references (the
 * prescription, patient, organisations) but not the signed Bundle: the same statement stores the
 * Bundle as received in the prescription row (`signed_bundle`), and writing it a second time into
 * the event doubled every order's bytes. What is published (NATS, the ePMS feed: docs/events.md,
 * docs/asyncapi.yaml) still carries it as `resource`, read back from that column per delivery
 * batch (`withSignedBundles`, registered with the outbox).
 *
 * `signed_bundle` is written once, with the event, and never changed (a cancellation or dispense
 * changes the prescription's state, not the Bundle), so the event delivers the prescription as it
 * was ordered, whenever it is delivered. Rows stored before this (with `resource`) are published
 * as they are.
 */
import type { Queryable } from '../../platform/database/database.js';
import type { DomainEvent } from '../../platform/outbox/outbox.js';

export const ORDER_EVENT = 'prescription-order';

/** What the outbox row stores (the database adds `nominatedBy` when the patient's nomination applies). */
export interface StoredOrderEvent {
  prescriptionId: string;
  patient: string;
  prescriberOrg: string;
  nominatedPharmacy?: string;
}

export function orderEventPayload(event: StoredOrderEvent): string {
  return JSON.stringify({
    prescriptionId: event.prescriptionId,
    patient: event.patient,
    prescriberOrg: event.prescriberOrg,
    ...(event.nominatedPharmacy ? { nominatedPharmacy: event.nominatedPharmacy } : {}),
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The published payloads of a batch of `prescription-order` events: each with `resource`, the
 * signed Bundle of its prescription (the event key), in one query. An event whose prescription
 * row is missing or whose Bundle is not JSON is left out (the outbox dead-letters it).
 */
export async function withSignedBundles(
  q: Queryable,
  events: readonly DomainEvent[],
): Promise<Map<string, unknown>> {
  const published = new Map<string, unknown>();
  const wanted: DomainEvent[] = [];
  for (const event of events) {
    if (isRecord(event.payload) && event.payload.resource !== undefined)
      published.set(event.id, event.payload);
    else wanted.push(event);
  }
  if (wanted.length === 0) return published;
  const rows = await q.query<{ short_form_id: string; signed_bundle: string }>(
    'SELECT short_form_id, signed_bundle FROM prescription WHERE short_form_id = ANY($1::text[])',
    [[...new Set(wanted.map((event) => event.key))]],
  );
  const bundles = new Map<string, unknown>();
  for (const row of rows.rows) {
    try {
      bundles.set(row.short_form_id, JSON.parse(row.signed_bundle));
    } catch {
      // Not JSON any more: left out, so the delivery is dead-lettered rather than sent without it.
    }
  }
  for (const event of wanted) {
    const bundle = bundles.get(event.key);
    if (bundle === undefined || !isRecord(event.payload)) continue;
    published.set(event.id, { ...event.payload, resource: bundle });
  }
  return published;
}
