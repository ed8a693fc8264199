/**
 * The rules of a prescription-order-update (cancel) message, pure: which prescription, which
 * items, and why. The prescriber is identified by the caller's token, not by the message.
 */
import type { Bundle, CodeableConcept, MedicationRequest } from '@medplum/fhirtypes';
import { invalid, missing, Problem } from '../../platform/errors/problem.js';
import { validateResourceOf } from '../../platform/fhir/validation/index.js';
import { SHORT_FORM_ID_SYSTEM, shortFormIdProblem } from '../identifiers/index.js';
import {
  at,
  entriesOf,
  identifierValue,
  type Located,
  PRESCRIPTION_ITEM_NUMBER,
} from '../order/bundle-entries.js';
import { MAX_ITEMS } from '../order/parse-order.js';

export interface ParsedCancel {
  messageId: string;
  shortFormId: string;
  items: Array<{ id: string; located: Located<MedicationRequest>; reason: CodeableConcept }>;
  /** The message as received, valid R4. */
  bundle: Bundle;
}

/** Reads the message as `unknown`: the R4 validation first, so every element has its JSON type. */
export function parseCancel(input: unknown): ParsedCancel {
  const bundle = validateResourceOf<Bundle>(input, 'Bundle', 'A cancellation is a message Bundle');
  const messageId = bundle.identifier?.value;
  if (!messageId) throw missing('Bundle.identifier.value (the message id) is required', 'Bundle.identifier');
  const requests = entriesOf<MedicationRequest>(bundle, 'MedicationRequest');
  if (requests.length === 0)
    throw missing('A cancellation names the MedicationRequest(s) to cancel', 'Bundle.entry');
  if (requests.length > MAX_ITEMS)
    throw invalid(`A prescription has at most ${MAX_ITEMS} items`, 'Bundle.entry');
  let shortFormId: string | undefined;
  const items = requests.map((located) => {
    const { resource, index } = located;
    const path = (element: string) => at(index, 'MedicationRequest', element);
    if (resource.status !== 'cancelled')
      throw invalid('A cancellation MedicationRequest has status "cancelled"', path('status'));
    if (!resource.statusReason?.coding?.length && !resource.statusReason?.text) {
      throw missing('statusReason (why it is cancelled) is required', path('statusReason'));
    }
    const group = resource.groupIdentifier;
    if (!group?.value || group.system !== SHORT_FORM_ID_SYSTEM) {
      throw missing(`groupIdentifier in ${SHORT_FORM_ID_SYSTEM} is required`, path('groupIdentifier'));
    }
    const problem = shortFormIdProblem(group.value);
    if (problem === 'checksum') {
      throw new Problem(
        'INVALID_CHECKSUM',
        `The check character of prescription ID ${group.value} is wrong`,
        {
          expression: path('groupIdentifier.value'),
        },
      );
    }
    if (problem) throw invalid(`${group.value} is not a prescription ID`, path('groupIdentifier.value'));
    if (shortFormId !== undefined && shortFormId !== group.value) {
      throw invalid('A cancellation is about one prescription', path('groupIdentifier'));
    }
    shortFormId = group.value;
    const id = identifierValue(resource.identifier, PRESCRIPTION_ITEM_NUMBER);
    if (!id)
      throw missing(
        `MedicationRequest.identifier in ${PRESCRIPTION_ITEM_NUMBER} is required`,
        path('identifier'),
      );
    return { id: id.toLowerCase(), located, reason: resource.statusReason };
  });
  return { messageId, shortFormId: shortFormId!, items, bundle };
}
