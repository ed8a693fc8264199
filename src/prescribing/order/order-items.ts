/**
 * Each prescribed item is also kept as a MedicationRequest in the FHIR store (id = its
 * prescription-order-item-number), so that patients, prescribers and the portal read it like any
 * resource. Its references are rewritten from the message's `urn:uuid:` ones to stored records:
 * the patient, the registered prescriber, and the prescribing organisation by ODS code.
 */
import type { MedicationRequest } from '@medplum/fhirtypes';
import { ODS_SYSTEM } from './bundle-entries.js';
import type { ParsedOrder } from './parse-order.js';

export const PRESCRIBER_ORGANISATION_EXTENSION =
  'https://fhir.pathways.dev/StructureDefinition/prescriber-organisation';

export function storedItem(
  order: ParsedOrder,
  item: ParsedOrder['items'][number],
  context: { patient: string; prescriber: string },
): MedicationRequest {
  const {
    medicationReference: _reference,
    subject: _subject,
    requester: _requester,
    id: _id,
    meta: _meta,
    ...rest
  } = item.resource;
  return {
    ...rest,
    resourceType: 'MedicationRequest',
    extension: [
      ...(rest.extension ?? []),
      {
        url: PRESCRIBER_ORGANISATION_EXTENSION,
        valueIdentifier: { system: ODS_SYSTEM, value: order.organisationOds },
      },
    ],
    ...(rest.medicationCodeableConcept
      ? {}
      : { medicationCodeableConcept: item.medication?.code ?? { text: 'medicine' } }),
    subject: { reference: context.patient },
    requester: { reference: context.prescriber },
  };
}
