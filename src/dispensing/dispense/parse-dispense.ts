/**
 * The rules of a dispense-notification message (docs/api.md §7), pure: which prescription, and for
 * each item what was done (MedicationDispense.type) and how much was supplied. Items are named
 * through `authorizingPrescription` (a contained or bundled MedicationRequest carrying the item
 * number and the prescription's group identifier).
 */
import type { Bundle, MedicationDispense, MedicationRequest, Reference } from '@medplum/fhirtypes';
import { invalid, missing, Problem } from '../../platform/errors/problem.js';
import { validateResourceOf } from '../../platform/fhir/validation/index.js';
import {
  at,
  type DispenseLine,
  type DispenseLineType,
  type DispenseRecord,
  entriesOf,
  identifierValue,
  type Located,
  PRESCRIPTION_ITEM_NUMBER,
  PRESCRIPTION_ORDER_NUMBER,
  resolve,
  shortFormIdProblem,
} from '../../prescribing/index.js';

export const DISPENSE_TYPE_SYSTEM = 'https://fhir.nhs.uk/CodeSystem/medicationdispense-type';
/** Every code of EPS's medicationdispense-type; the state machine refuses what an item's state does not allow. */
export const DISPENSE_TYPES: Record<string, DispenseLineType> = {
  '0001': 'dispensed',
  '0002': 'not-dispensed',
  '0003': 'partial',
  '0004': 'owing',
  '0005': 'cancelled',
  '0006': 'expired',
  '0007': 'to-be-dispensed',
  '0008': 'with-dispenser',
};

export interface ParsedDispense {
  shortFormId: string;
  record: DispenseRecord;
  /** The message as received, valid R4. */
  bundle: Bundle;
}

/** Reads the message as `unknown`: the R4 validation first, so every element has its JSON type. */
export function parseDispenseNotification(input: unknown): ParsedDispense {
  const bundle = validateResourceOf<Bundle>(input, 'Bundle', 'A dispense-notification is a message Bundle');
  const id = bundle.identifier?.value;
  if (!id) throw missing('Bundle.identifier.value (the notification id) is required', 'Bundle.identifier');
  const dispenses = entriesOf<MedicationDispense>(bundle, 'MedicationDispense');
  if (dispenses.length === 0)
    throw missing('A dispense-notification needs at least one MedicationDispense', 'Bundle.entry');
  let shortFormId: string | undefined;
  const lines = new Map<string, DispenseLine>();
  for (const dispense of dispenses) {
    const path = (element: string) => at(dispense.index, 'MedicationDispense', element);
    const request = authorizing(bundle, dispense);
    const group = request.groupIdentifier?.value;
    if (
      !group ||
      (request.groupIdentifier?.system && request.groupIdentifier.system !== PRESCRIPTION_ORDER_NUMBER)
    ) {
      throw missing(
        'The authorizing MedicationRequest needs the prescription ID as groupIdentifier',
        path('authorizingPrescription'),
      );
    }
    const problem = shortFormIdProblem(group);
    if (problem === 'checksum') {
      throw new Problem('INVALID_CHECKSUM', `The check character of prescription ID ${group} is wrong`, {
        expression: path('authorizingPrescription'),
      });
    }
    if (problem) throw invalid(`${group} is not a prescription ID`, path('authorizingPrescription'));
    if (shortFormId !== undefined && shortFormId !== group)
      throw invalid('A dispense-notification is about one prescription', path('authorizingPrescription'));
    shortFormId = group;
    const itemId = identifierValue(request.identifier, PRESCRIPTION_ITEM_NUMBER);
    if (!itemId)
      throw missing(
        `The authorizing MedicationRequest needs its ${PRESCRIPTION_ITEM_NUMBER}`,
        path('authorizingPrescription'),
      );
    const code = dispense.resource.type?.coding?.find(
      (coding) => coding.system === DISPENSE_TYPE_SYSTEM,
    )?.code;
    const type = code ? DISPENSE_TYPES[code] : undefined;
    if (!type)
      throw invalid(`MedicationDispense.type must be a ${DISPENSE_TYPE_SYSTEM} code 0001–0008`, path('type'));
    const quantity = dispense.resource.quantity?.value ?? 0;
    if (!Number.isFinite(quantity) || quantity < 0)
      throw invalid('quantity must be zero or more', path('quantity.value'));
    if ((type === 'dispensed' || type === 'partial') && !(quantity > 0)) {
      throw invalid(
        'A dispensed or partly dispensed item needs the quantity supplied',
        path('quantity.value'),
      );
    }
    const key = itemId.toLowerCase();
    const earlier = lines.get(key);
    // Several MedicationDispenses for one item (e.g. split packs) add up; the last one's type stands.
    lines.set(key, { itemId: key, type, quantity: (earlier?.quantity ?? 0) + quantity });
  }
  return { shortFormId: shortFormId!, record: { id, lines: [...lines.values()] }, bundle };
}

function authorizing(bundle: Bundle, dispense: Located<MedicationDispense>): MedicationRequest {
  const reference: Reference | undefined = dispense.resource.authorizingPrescription?.[0];
  const where = at(dispense.index, 'MedicationDispense', 'authorizingPrescription');
  if (!reference?.reference) throw missing('MedicationDispense.authorizingPrescription is required', where);
  if (reference.reference.startsWith('#')) {
    const id = reference.reference.slice(1);
    const contained = dispense.resource.contained?.find((resource) => resource.id === id);
    if (contained?.resourceType !== 'MedicationRequest')
      throw invalid(`No contained MedicationRequest ${reference.reference}`, where);
    return contained;
  }
  const found = resolve<MedicationRequest>(bundle, reference, 'MedicationRequest');
  if (!found)
    throw invalid('authorizingPrescription must point to a MedicationRequest in the message', where);
  return found.resource;
}
