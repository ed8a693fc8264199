/**
 * A patient's prescriptions as the portal shows them: the tracker's Task per prescription (its
 * plain-English status) joined with the prescribed items (MedicationRequests) it lists.
 */
import type { MedicationRequest, Task } from '@medplum/fhirtypes';
import { formatDate } from './dates';
import { formatQuantity } from './quantities';

export type TagColour = 'blue' | 'green' | 'grey' | 'red' | 'orange' | 'yellow';

export interface RepeatRequest {
  requested: string | undefined;
  status: string;
  /** Still with the GP practice: asking again only returns this one. */
  open: boolean;
}

export interface PrescriptionItem {
  id: string;
  medicine: string;
  dosage: string | undefined;
  quantity: string | undefined;
  status: string;
  /** The item is where the whole prescription is (the card's tag says it already). */
  sameAsPrescription: boolean;
  /** The patient may ask for it again (an order still active or completed, with no open request). */
  repeatable: boolean;
  /** The latest repeat request for this item, if any. */
  repeat: RepeatRequest | undefined;
}

/** Where a repeat-dispensing (eRD) prescription is: which issue, and when issues are available. */
export interface RepeatDispensing {
  issue: number;
  issues: number;
  /** When the current issue became available. */
  availableFrom: string | undefined;
  /** When the next issue becomes available, once the current one is finished. */
  nextFrom: string | undefined;
  ended: string | undefined;
}

export interface Prescription {
  id: string;
  /** The short-form prescription ID, e.g. A1B2C3-A83008-00001K. */
  reference: string | undefined;
  status: string;
  statusCode: string | undefined;
  colour: TagColour;
  issued: string | undefined;
  /** The medicines it is for, so that cards of one day can be told apart. */
  title: string;
  /** ODS code of the prescriber's organisation (GP practice or hospital). */
  prescriberOrg: string | undefined;
  /** The pharmacy that has it, or the patient's nominated pharmacy it will go to. */
  pharmacy: { ods: string; has: boolean } | undefined;
  /** Repeat dispensing (eRD): the issue the patient is on. */
  repeatDispensing: RepeatDispensing | undefined;
  /** What the pharmacy last said about it (a status update), in the patient's words. */
  pharmacyUpdate: string | undefined;
  items: PrescriptionItem[];
}

const PRESCRIPTION_ORDER_NUMBER = 'https://fhir.nhs.uk/Id/prescription-order-number';
const ODS = 'https://fhir.nhs.uk/Id/ods-organization-code';
const PRESCRIBER_ORGANISATION = 'https://fhir.pathways.dev/StructureDefinition/prescriber-organisation';
const NOMINATED_PHARMACY = 'https://fhir.pathways.dev/StructureDefinition/nominated-pharmacy';
const PRESCRIPTION_ISSUE = 'https://fhir.pathways.dev/StructureDefinition/prescription-issue';
const PHARMACY_STATUS = 'https://fhir.pathways.dev/StructureDefinition/pharmacy-status';
const REPEATABLE_INTENTS = new Set(['original-order', 'instance-order', 'order']);
const REPEATABLE_STATUSES = new Set(['active', 'completed']);
const HL7_COURSE = 'http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy';
const NHS_COURSE = 'https://fhir.nhs.uk/CodeSystem/medicationrequest-course-of-therapy';

/** EPS prescription status → tag colour: waiting blue, with a pharmacy yellow, done green. */
const COLOURS: Record<string, TagColour> = {
  '0001': 'blue',
  '0002': 'yellow',
  '0003': 'yellow',
  '0004': 'grey',
  '0005': 'red',
  '0006': 'green',
  '0007': 'grey',
  '0008': 'green',
  '0009': 'green',
};

export function medicineOf(request: MedicationRequest | undefined): string {
  const concept = request?.medicationCodeableConcept;
  return (
    concept?.text ?? concept?.coding?.[0]?.display ?? request?.medicationReference?.display ?? 'Medicine'
  );
}

/**
 * The EPS item status each prescription status implies for an item nothing else happened to:
 * such an item's status row would only repeat the card's tag in other words.
 */
const ITEM_STATUS_OF: Record<string, string> = {
  '0001': '0007',
  '0002': '0008',
  '0004': '0006',
  '0005': '0005',
  '0006': '0001',
  '0007': '0002',
  '0008': '0001',
  '0009': '0001',
};

/** "Amoxicillin 250mg capsules", "A and B", "A and 2 other medicines". */
export function titleOf(medicines: readonly string[]): string {
  const [first, second] = medicines;
  if (first === undefined) return 'Prescription';
  if (second === undefined) return first;
  if (medicines.length === 2) return `${first} and ${second}`;
  return `${first} and ${medicines.length - 1} other medicines`;
}

function prescriberOrgOf(requests: readonly (MedicationRequest | undefined)[]): string | undefined {
  for (const request of requests) {
    const extension = request?.extension?.find((each) => each.url === PRESCRIBER_ORGANISATION);
    if (extension?.valueIdentifier?.value) return extension.valueIdentifier.value;
  }
  return undefined;
}

function pharmacyOf(task: Task): Prescription['pharmacy'] {
  const owner = task.owner?.identifier;
  if (owner?.value && (owner.system === undefined || owner.system === ODS))
    return { ods: owner.value, has: true };
  const nominated = task.extension?.find((each) => each.url === NOMINATED_PHARMACY)?.valueIdentifier?.value;
  return nominated ? { ods: nominated, has: false } : undefined;
}

/** The ODS codes a list of prescriptions names (prescribers' organisations and pharmacies). */
export function organisationCodes(prescriptions: readonly Prescription[]): string[] {
  const codes = new Set<string>();
  for (const prescription of prescriptions) {
    if (prescription.prescriberOrg) codes.add(prescription.prescriberOrg);
    if (prescription.pharmacy) codes.add(prescription.pharmacy.ods);
  }
  return [...codes].sort();
}

/** An organisation's name, or its code when the service does not know it. */
export function organisationName(ods: string, names: ReadonlyMap<string, string>): string {
  return names.get(ods) ?? `organisation ${ods}`;
}

/** Which pharmacy has the prescription, or the nominated one it goes to, as a summary row. */
export function pharmacyRow(
  prescription: Prescription,
  names: ReadonlyMap<string, string>,
): { key: string; value: string } {
  const pharmacy = prescription.pharmacy;
  if (!pharmacy) return { key: 'Pharmacy', value: 'Not with a pharmacy' };
  const name = organisationName(pharmacy.ods, names);
  return pharmacy.has ? { key: 'Pharmacy', value: name } : { key: 'Nominated pharmacy', value: name };
}

/**
 * Repeat prescribing only, as the server judges it (src/portal/repeat-requests/rules.ts): a
 * continuous or seasonal course, or a repeat intent without a course. Acute items are asked of
 * the GP practice; repeat-dispensing items the pharmacy issues by itself.
 */
export function isRepeatPrescribing(request: MedicationRequest): boolean {
  const codings = request.courseOfTherapyType?.coding ?? [];
  const has = (system: string, code: string) =>
    codings.some((coding) => coding.system === system && coding.code === code);
  if (has(NHS_COURSE, 'continuous-repeat-dispensing') || has(HL7_COURSE, 'acute')) return false;
  if (has(HL7_COURSE, 'continuous') || has(HL7_COURSE, 'seasonal')) return true;
  return request.intent !== 'order';
}

export function isRepeatable(request: MedicationRequest | undefined): boolean {
  return (
    request !== undefined &&
    REPEATABLE_INTENTS.has(request.intent) &&
    REPEATABLE_STATUSES.has(request.status) &&
    isRepeatPrescribing(request)
  );
}

function repeatDispensingOf(task: Task): RepeatDispensing | undefined {
  const parts = task.extension?.find((each) => each.url === PRESCRIPTION_ISSUE)?.extension;
  const part = (url: string) => parts?.find((each) => each.url === url);
  const issue = part('issueNumber')?.valueUnsignedInt;
  const issues = part('issuesAuthorised')?.valueUnsignedInt;
  if (issue === undefined || issues === undefined) return undefined;
  return {
    issue,
    issues,
    availableFrom: part('issueAvailableFrom')?.valueDateTime,
    nextFrom: part('nextIssueAvailableFrom')?.valueDateTime,
    ended: part('ended')?.valueCode,
  };
}

/**
 * "Issue 2 of 6, available from 7 December 2026", and once the issue is finished when the next
 * one is available (or that there will be none).
 */
export function issueLines(repeat: RepeatDispensing): string[] {
  const from = repeat.availableFrom ? `, available from ${formatDate(repeat.availableFrom)}` : '';
  const lines = [`Issue ${repeat.issue} of ${repeat.issues}${from}`];
  if (repeat.nextFrom) {
    lines.push(`Issue ${repeat.issue + 1} of ${repeat.issues} available from ${formatDate(repeat.nextFrom)}`);
  } else if (repeat.ended === 'completed') {
    lines.push('This was the last issue: ask your GP practice for a new prescription');
  } else if (repeat.ended === 'expired') {
    lines.push('No more issues: the prescription has run out, ask your GP practice');
  } else if (repeat.ended === 'cancelled') {
    lines.push('No more issues: your GP practice stopped this prescription');
  }
  return lines;
}

function pharmacyUpdateOf(extensions: Task['extension']): string | undefined {
  const update = extensions?.find((each) => each.url === PHARMACY_STATUS);
  const status = update?.extension?.find((each) => each.url === 'status')?.valueCodeableConcept;
  return status?.text ?? status?.coding?.[0]?.code;
}

const REPEAT_STATUS: Record<string, string> = {
  requested: 'Waiting for your GP practice',
  received: 'Waiting for your GP practice',
  accepted: 'Being looked at by your GP practice',
  'in-progress': 'Being looked at by your GP practice',
  'on-hold': 'Being looked at by your GP practice',
  ready: 'Being looked at by your GP practice',
  completed: 'Approved by your GP practice',
  rejected: 'Not approved: contact your GP practice',
  cancelled: 'Cancelled',
};
const OPEN = new Set(['requested', 'received', 'accepted', 'in-progress', 'on-hold', 'ready']);

/** The newest repeat request (Task with focus MedicationRequest/<id>) for each item. */
export function repeatRequestsByItem(tasks: readonly Task[]): Map<string, RepeatRequest> {
  const newest = new Map<string, Task>();
  for (const task of tasks) {
    const id = idOfReference(task.focus?.reference, 'MedicationRequest');
    if (!id) continue;
    const known = newest.get(id);
    if (!known || (task.authoredOn ?? '') > (known.authoredOn ?? '')) newest.set(id, task);
  }
  return new Map(
    [...newest].map(([id, task]) => [
      id,
      {
        requested: task.authoredOn,
        status: REPEAT_STATUS[task.status] ?? task.status,
        open: OPEN.has(task.status),
      },
    ]),
  );
}

function idOfReference(reference: string | undefined, type: string): string | undefined {
  const prefix = `${type}/`;
  return reference?.startsWith(prefix) ? reference.slice(prefix.length) : undefined;
}

export function prescriptionsOf(
  tasks: readonly Task[],
  requests: readonly MedicationRequest[],
  repeatRequests: readonly Task[] = [],
): Prescription[] {
  const byId = new Map(requests.map((request) => [request.id ?? '', request]));
  const repeats = repeatRequestsByItem(repeatRequests);
  return tasks
    .map((task): Prescription => {
      const statusCode = task.businessStatus?.coding?.[0]?.code;
      const pharmacyUpdate = pharmacyUpdateOf(task.extension);
      const outputs = (task.output ?? []).map((output) => {
        const id = idOfReference(output.valueReference?.reference, 'MedicationRequest') ?? '';
        return { output, id, request: byId.get(id) };
      });
      return {
        id: task.id ?? '',
        reference:
          task.identifier?.find((identifier) => identifier.system === PRESCRIPTION_ORDER_NUMBER)?.value ??
          task.focus?.identifier?.value,
        status: task.businessStatus?.text ?? task.businessStatus?.coding?.[0]?.display ?? 'Status not known',
        statusCode,
        colour: (statusCode && COLOURS[statusCode]) || 'grey',
        issued: task.authoredOn,
        title: titleOf(outputs.map(({ request }) => medicineOf(request))),
        prescriberOrg: prescriberOrgOf(outputs.map(({ request }) => request)),
        pharmacy: pharmacyOf(task),
        repeatDispensing: repeatDispensingOf(task),
        pharmacyUpdate,
        items: outputs.map(({ output, id, request }): PrescriptionItem => {
          const repeat = repeats.get(id);
          const itemCode = output.type?.coding?.[0]?.code;
          // The pharmacy's word on the item, when it has one, says more than the EPS item status.
          const itemUpdate = pharmacyUpdateOf(output.extension);
          return {
            id,
            medicine: medicineOf(request),
            dosage: request?.dosageInstruction?.[0]?.text,
            quantity: formatQuantity(request?.dispenseRequest?.quantity),
            status: itemUpdate ?? output.type?.text ?? output.type?.coding?.[0]?.display ?? '',
            sameAsPrescription: itemUpdate
              ? itemUpdate === pharmacyUpdate
              : statusCode !== undefined && itemCode !== undefined && ITEM_STATUS_OF[statusCode] === itemCode,
            repeatable: isRepeatable(request) && !repeat?.open,
            repeat,
          };
        }),
      };
    })
    .sort((a, b) => (b.issued ?? '').localeCompare(a.issued ?? ''));
}
