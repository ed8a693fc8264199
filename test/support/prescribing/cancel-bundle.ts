/** prescription-order-update (cancel) messages for tests. */
import { randomUUID } from 'node:crypto';
import type { Bundle } from '@medplum/fhirtypes';
import { orderItems } from '../../../src/prescribing/examples/order-bundle.js';

/** A prescription-order-update cancelling the given items of `order`. */
export function cancelBundle(order: Bundle, itemPositions: number[] = [0]): Bundle {
  const items = orderItems(order);
  const others = (order.entry ?? []).filter(
    (entry) =>
      !['MedicationRequest', 'Provenance', 'MessageHeader'].includes(entry.resource?.resourceType ?? ''),
  );
  return {
    resourceType: 'Bundle',
    identifier: { system: 'https://tools.ietf.org/html/rfc4122', value: randomUUID() },
    type: 'message',
    entry: [
      {
        fullUrl: `urn:uuid:${randomUUID()}`,
        resource: {
          resourceType: 'MessageHeader',
          eventCoding: {
            system: 'https://fhir.nhs.uk/CodeSystem/message-event',
            code: 'prescription-order-update',
          },
          source: { endpoint: 'urn:test' },
          reason: {
            coding: [
              { system: 'https://fhir.nhs.uk/CodeSystem/message-reason-prescription', code: 'cancel' },
            ],
          },
        },
      },
      ...itemPositions.map((position) => ({
        fullUrl: `urn:uuid:${items[position]!.identifier![0]!.value}`,
        resource: {
          ...items[position]!,
          status: 'cancelled' as const,
          statusReason: {
            coding: [
              {
                system: 'https://fhir.nhs.uk/CodeSystem/medicationrequest-status-reason',
                code: '0002',
                display: 'Clinical contra-indication',
              },
            ],
          },
        },
      })),
      ...others,
    ],
  };
}
