/**
 * The rules of a prescription-order message (docs/api.md §6), pure: what must be in the Bundle
 * and how its parts fit together. Returns the facts the rest of prescribing needs, or throws the
 * first Problem with the FHIRPath of the element at fault. Signature, certificate and right to
 * prescribe are checked elsewhere (they need the register and the PKI).
 */
import type {
  Bundle,
  Identifier,
  Medication,
  MedicationRequest,
  Patient,
  Practitioner,
  PractitionerRole,
} from '@medplum/fhirtypes';
import { invalid, missing, Problem } from '../../platform/errors/problem.js';
import { validateResourceOf } from '../../platform/fhir/validation/index.js';
import {
  isLongFormId,
  LONG_FORM_ID_EXTENSION,
  LONG_FORM_ID_SYSTEM,
  SHORT_FORM_ID_SYSTEM,
  shortFormIdProblem,
} from '../identifiers/index.js';
import {
  at,
  entriesOf,
  identifierValue,
  type Located,
  PRESCRIPTION_ITEM_NUMBER,
  resolve,
} from './bundle-entries.js';
import {
  assertRepeatDispensable,
  type CourseOfTherapy,
  courseOf,
  type RepeatDispensing,
  repeatDispensingOf,
} from './course-of-therapy.js';
import {
  nomination,
  orderPatient,
  orderPractitioner,
  orderRequester,
  requesterOrganisation,
} from './order-parties.js';

export const SNOMED = 'http://snomed.info/sct';
export const CONTROLLED_DRUG_EXTENSION =
  'https://fhir.nhs.uk/StructureDefinition/Extension-DM-ControlledDrug';
const INTENTS = ['order', 'original-order', 'instance-order'] as const;
/** dm+d concept ids are SNOMED CT ids: 6 to 18 digits, no leading zero. */
const DMD_CODE = /^[1-9]\d{5,17}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const MAX_ITEMS = 4;

export interface OrderItem {
  id: string;
  index: number;
  fullUrl: string | undefined;
  resource: MedicationRequest;
  quantity: number;
  controlled: boolean;
  /** The Medication a medicationReference points at, when the item uses one. */
  medication?: Medication;
  course: CourseOfTherapy;
  /** For repeat dispensing (eRD): the issues, interval and authorisation expiry. */
  repeatDispensing?: RepeatDispensing;
}

export interface ParsedOrder {
  shortFormId: string;
  longFormId: string;
  /** Bundle.identifier.value: re-sending the same message is idempotent. */
  messageId: string;
  items: OrderItem[];
  patient: Located<Patient> & { identifier: { system: string; value: string } };
  requester: Located<PractitionerRole>;
  /** The prescriber as the bundle names them: the resource when included, and every identifier. */
  practitioner: { resource?: Practitioner; identifiers: Identifier[]; reference?: string };
  organisationOds: string;
  nominatedPharmacy: string | undefined;
  /** dispenseRequest.validityPeriod.start of the first item (a date or date-time), if given. */
  validityStart: string | undefined;
  controlled: boolean;
  /** The one course of therapy every item shares. */
  course: CourseOfTherapy;
  /** For an eRD prescription: what every item shares. */
  repeatDispensing?: RepeatDispensing;
}

/**
 * A prescription-order as received, read as `unknown`: valid R4 first (so every element has the
 * JSON type R4 gives it), then the message rules.
 */
export function parsePrescriptionOrder(input: unknown): ParsedOrder & { bundle: Bundle } {
  const bundle = validateResourceOf<Bundle>(input, 'Bundle', 'A prescription-order is a message Bundle');
  return { ...readPrescriptionOrder(bundle), bundle };
}

/**
 * The message rules over a Bundle already known to be valid R4: one this service stored when it
 * accepted it (release reads it again before verifying its signature).
 */
export function readPrescriptionOrder(bundle: Bundle): ParsedOrder {
  const messageId = bundle.identifier?.value;
  if (!messageId) throw missing('Bundle.identifier.value (the message id) is required', 'Bundle.identifier');
  const requests = entriesOf<MedicationRequest>(bundle, 'MedicationRequest');
  if (requests.length === 0)
    throw missing('A prescription-order needs at least one MedicationRequest', 'Bundle.entry');
  if (requests.length > MAX_ITEMS) {
    throw invalid(
      `A prescription has at most ${MAX_ITEMS} items; this one has ${requests.length}`,
      'Bundle.entry',
    );
  }
  const { shortFormId, longFormId } = prescriptionIds(requests);
  const items = requests.map((request) => orderItem(bundle, request));
  const itemIds = new Set(items.map((item) => item.id));
  if (itemIds.size !== items.length) {
    throw invalid(
      'Each MedicationRequest needs its own prescription-order-item-number',
      'MedicationRequest.identifier',
    );
  }
  const repeatDispensing = sharedCourse(items);
  const patient = orderPatient(bundle, requests);
  const requester = orderRequester(bundle, requests);
  const practitioner = orderPractitioner(bundle, requester);
  const organisationOds = requesterOrganisation(bundle, requester);
  const nominatedPharmacy = nomination(requests);
  return {
    shortFormId,
    longFormId,
    messageId,
    items,
    patient,
    requester,
    practitioner,
    organisationOds,
    nominatedPharmacy,
    validityStart: requests[0]!.resource.dispenseRequest?.validityPeriod?.start,
    controlled: items.some((item) => item.controlled),
    course: items[0]!.course,
    ...(repeatDispensing ? { repeatDispensing } : {}),
  };
}

/** Every item shares one course (EPS refuses a mix) and, for eRD, one number of issues and interval. */
function sharedCourse(items: OrderItem[]): RepeatDispensing | undefined {
  const first = items[0]!;
  for (const item of items) {
    const where = at(item.index, 'MedicationRequest', 'courseOfTherapyType');
    if (item.course !== first.course) {
      throw invalid(
        `Every item of a prescription must have the same course of therapy (${first.course}, not ${item.course})`,
        where,
      );
    }
    const terms = item.repeatDispensing;
    const shared = first.repeatDispensing;
    if (terms && shared && (terms.issues !== shared.issues || terms.intervalDays !== shared.intervalDays)) {
      throw invalid(
        'Every item of a repeat-dispensing prescription must have the same numberOfRepeatsAllowed and expectedSupplyDuration',
        at(item.index, 'MedicationRequest', 'dispenseRequest'),
      );
    }
  }
  if (!first.repeatDispensing) return undefined;
  // The earliest authorisation expiry of the items bounds every issue.
  const expiries = items.map((item) => item.repeatDispensing!.authorisationExpiry);
  const earliest = expiries.reduce((a, b) => (expiryInstant(b) < expiryInstant(a) ? b : a));
  return { ...first.repeatDispensing, authorisationExpiry: earliest };
}

function expiryInstant(value: string): number {
  return Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
}

function prescriptionIds(requests: Located<MedicationRequest>[]): {
  shortFormId: string;
  longFormId: string;
} {
  const ids = requests.map(({ resource, index }) => {
    const group = resource.groupIdentifier;
    const path = at(index, 'MedicationRequest', 'groupIdentifier');
    if (!group?.value)
      throw missing('MedicationRequest.groupIdentifier (the prescription ID) is required', path);
    if (group.system !== SHORT_FORM_ID_SYSTEM)
      throw invalid(`groupIdentifier.system must be ${SHORT_FORM_ID_SYSTEM}`, `${path}.system`);
    const problem = shortFormIdProblem(group.value);
    if (problem === 'format') {
      throw invalid(
        `${group.value} is not a prescription ID of the form XXXXXX-XXXXXX-XXXXXC`,
        `${path}.value`,
      );
    }
    if (problem === 'checksum') {
      throw new Problem(
        'INVALID_CHECKSUM',
        `The check character of prescription ID ${group.value} is wrong`,
        {
          expression: `${path}.value`,
        },
      );
    }
    const long = group.extension?.find(
      (extension) => extension.url === LONG_FORM_ID_EXTENSION,
    )?.valueIdentifier;
    if (!long?.value)
      throw missing('The long-form prescription ID extension is required', `${path}.extension`);
    if (long.system !== LONG_FORM_ID_SYSTEM || !isLongFormId(long.value)) {
      throw invalid(
        `The long-form prescription ID must be a UUID in ${LONG_FORM_ID_SYSTEM}`,
        `${path}.extension`,
      );
    }
    return { shortFormId: group.value, longFormId: long.value.toLowerCase() };
  });
  const first = ids[0]!;
  for (const [position, id] of ids.entries()) {
    if (id.shortFormId !== first.shortFormId || id.longFormId !== first.longFormId) {
      throw invalid(
        'Every MedicationRequest of a prescription must share one groupIdentifier',
        at(requests[position]!.index, 'MedicationRequest', 'groupIdentifier'),
      );
    }
  }
  return first;
}

function orderItem(bundle: Bundle, { resource, index, fullUrl }: Located<MedicationRequest>): OrderItem {
  const path = (element: string) => at(index, 'MedicationRequest', element);
  const id = identifierValue(resource.identifier, PRESCRIPTION_ITEM_NUMBER);
  if (!id)
    throw missing(
      `MedicationRequest.identifier in ${PRESCRIPTION_ITEM_NUMBER} is required`,
      path('identifier'),
    );
  if (!UUID.test(id)) throw invalid('The prescription-order-item-number must be a UUID', path('identifier'));
  if (resource.status !== 'active')
    throw invalid('A new prescription item must have status "active"', path('status'));
  if (!(INTENTS as readonly string[]).includes(resource.intent)) {
    throw invalid(`intent must be one of ${INTENTS.join(', ')}`, path('intent'));
  }
  const course = courseOf(resource, path) ?? (resource.intent === 'order' ? 'acute' : undefined);
  if (course === undefined || (resource.intent !== 'order' && course === 'acute')) {
    throw invalid(
      `A ${resource.intent} needs courseOfTherapyType "continuous" or "continuous-repeat-dispensing"`,
      path('courseOfTherapyType'),
    );
  }
  let repeatDispensing: RepeatDispensing | undefined;
  if (course === 'continuous-repeat-dispensing') {
    repeatDispensing = repeatDispensingOf(resource, path);
    assertRepeatDispensable(resource, CONTROLLED_DRUG_EXTENSION, path);
  } else if (resource.intent !== 'order') repeatRules(resource, path);
  const medication = medicationRules(bundle, resource, path);
  const quantity = resource.dispenseRequest?.quantity?.value;
  if (quantity === undefined)
    throw missing('dispenseRequest.quantity.value is required', path('dispenseRequest.quantity'));
  if (!(quantity > 0))
    throw invalid(
      'dispenseRequest.quantity.value must be more than 0',
      path('dispenseRequest.quantity.value'),
    );
  return {
    id: id.toLowerCase(),
    index,
    fullUrl,
    resource,
    quantity,
    controlled: resource.extension?.some((extension) => extension.url === CONTROLLED_DRUG_EXTENSION) ?? false,
    ...(medication ? { medication } : {}),
    course,
    ...(repeatDispensing ? { repeatDispensing } : {}),
  };
}

/** Repeat prescribing: the first issue (original-order) and later ones (instance-order), as EPS uses them. */
function repeatRules(resource: MedicationRequest, path: (element: string) => string): void {
  if (resource.intent === 'instance-order' && !resource.basedOn?.length) {
    throw missing('An instance-order must name the order it is an instance of in basedOn', path('basedOn'));
  }
  const repeats = resource.dispenseRequest?.numberOfRepeatsAllowed;
  if (repeats !== undefined && (!Number.isInteger(repeats) || repeats < 0)) {
    throw invalid(
      'numberOfRepeatsAllowed must be a whole number',
      path('dispenseRequest.numberOfRepeatsAllowed'),
    );
  }
}

function medicationRules(
  bundle: Bundle,
  resource: MedicationRequest,
  path: (element: string) => string,
): Medication | undefined {
  let coding = resource.medicationCodeableConcept?.coding;
  let where = path('medicationCodeableConcept');
  let referenced: Medication | undefined;
  if (!resource.medicationCodeableConcept) {
    if (!resource.medicationReference) {
      throw missing(
        'The medicine is required (medicationCodeableConcept or medicationReference)',
        path('medication'),
      );
    }
    const medication = resolve<Medication>(bundle, resource.medicationReference, 'Medication');
    if (!medication)
      throw invalid(
        'medicationReference must point to a Medication in the Bundle',
        path('medicationReference'),
      );
    coding = medication.resource.code?.coding;
    where = at(medication.index, 'Medication', 'code');
    referenced = medication.resource;
  }
  const dmd = coding?.find((candidate) => candidate.system === SNOMED);
  if (!dmd?.code) throw invalid(`The medicine must be coded in dm+d (${SNOMED})`, where);
  if (!DMD_CODE.test(dmd.code))
    throw invalid(`${dmd.code} is not a dm+d (SNOMED CT) concept id`, `${where}.coding.code`);
  return referenced;
}
