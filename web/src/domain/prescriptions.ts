/**
 * A patient's prescriptions as the portal shows them: the tracker's Task per prescription (its
 * plain-English status) joined with the prescribed items (MedicationRequests) it lists.
 */
import type { MedicationRequest, Task } from '@medplum/fhirtypes';

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
  /** The patient may ask for it again (an order still active or completed, with no open request). */
  repeatable: boolean;
  /** The latest repeat request for this item, if any. */
  repeat: RepeatRequest | undefined;
}

export interface Prescription {
  id: string;
  /** The short-form prescription ID, e.g. A1B2C3-A83008-00001K. */
  reference: string | undefined;
  status: string;
  statusCode: string | undefined;
  colour: TagColour;
  issued: string | undefined;
  items: PrescriptionItem[];
}

const PRESCRIPTION_ORDER_NUMBER = 'https://fhir.nhs.uk/Id/prescription-order-number';
const REPEATABLE_INTENTS = new Set(['original-order', 'instance-order', 'order']);
const REPEATABLE_STATUSES = new Set(['active', 'completed']);

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

function quantityOf(request: MedicationRequest | undefined): string | undefined {
  const quantity = request?.dispenseRequest?.quantity;
  if (quantity?.value === undefined) return undefined;
  return quantity.unit ? `${quantity.value} ${quantity.unit}` : String(quantity.value);
}

export function isRepeatable(request: MedicationRequest | undefined): boolean {
  return (
    request !== undefined && REPEATABLE_INTENTS.has(request.intent) && REPEATABLE_STATUSES.has(request.status)
  );
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
      return {
        id: task.id ?? '',
        reference:
          task.identifier?.find((identifier) => identifier.system === PRESCRIPTION_ORDER_NUMBER)?.value ??
          task.focus?.identifier?.value,
        status: task.businessStatus?.text ?? task.businessStatus?.coding?.[0]?.display ?? 'Status not known',
        statusCode,
        colour: (statusCode && COLOURS[statusCode]) || 'grey',
        issued: task.authoredOn,
        items: (task.output ?? []).map((output): PrescriptionItem => {
          const id = idOfReference(output.valueReference?.reference, 'MedicationRequest') ?? '';
          const request = byId.get(id);
          const repeat = repeats.get(id);
          return {
            id,
            medicine: medicineOf(request),
            dosage: request?.dosageInstruction?.[0]?.text,
            quantity: quantityOf(request),
            status: output.type?.text ?? output.type?.coding?.[0]?.display ?? '',
            repeatable: isRepeatable(request) && !repeat?.open,
            repeat,
          };
        }),
      };
    })
    .sort((a, b) => (b.issued ?? '').localeCompare(a.issued ?? ''));
}
