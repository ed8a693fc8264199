/**
 * The pharmacy holding a prescription is told when the prescriber cancels one of its items: a
 * Communication from the prescribing organisation to the pharmacy about the prescription (it
 * shows in the pharmacy's `GET /Communication?recipient=…`), besides the flag on its next
 * release or tracker read.
 */
import type { CodeableConcept, Communication } from '@medplum/fhirtypes';
import { ODS_SYSTEM, PRESCRIPTION_ORDER_NUMBER } from '../order/bundle-entries.js';

export const CANCELLATION_NOTICE_CATEGORY = {
  system: 'https://fhir.pathways.dev/CodeSystem/communication-category',
  code: 'cancellation-notice',
  display: 'Prescription item cancelled while with the pharmacy',
};

export function cancellationNotice(input: {
  shortFormId: string;
  itemIds: string[];
  prescriberOrg: string;
  pharmacy: string;
  patient: string | undefined;
  reason: CodeableConcept | undefined;
  at: Date;
}): Communication {
  const why = input.reason?.coding?.[0]?.display ?? input.reason?.text;
  return {
    resourceType: 'Communication',
    status: 'completed',
    category: [{ coding: [CANCELLATION_NOTICE_CATEGORY] }],
    priority: 'urgent',
    ...(input.patient ? { subject: { reference: input.patient } } : {}),
    about: [{ identifier: { system: PRESCRIPTION_ORDER_NUMBER, value: input.shortFormId } }],
    sent: input.at.toISOString(),
    sender: { identifier: { system: ODS_SYSTEM, value: input.prescriberOrg } },
    recipient: [{ identifier: { system: ODS_SYSTEM, value: input.pharmacy } }],
    payload: [
      {
        contentString:
          `The prescriber cancelled ${input.itemIds.length === 1 ? 'an item' : `${input.itemIds.length} items`} of prescription ` +
          `${input.shortFormId} while it was with your pharmacy${why ? ` (${why})` : ''}. Do not dispense ` +
          `${input.itemIds.length === 1 ? 'it' : 'them'}: item ${input.itemIds.join(', ')}.`,
      },
    ],
  };
}
