/**
 * The tracker's view of a prescription (docs/api.md §6), pure: one Task per prescription with the
 * EPS status as businessStatus, the dispensing pharmacy as owner, and one output per item with
 * the item's status. Items the prescriber cancelled while the pharmacy held the prescription are
 * flagged so the pharmacy's system can warn before anything is handed over.
 */
import type { Task, TaskOutput } from '@medplum/fhirtypes';
import { ODS_SYSTEM, PRESCRIPTION_ORDER_NUMBER } from '../order/bundle-entries.js';
import {
  ITEM_STATUS_SYSTEM,
  ITEM_STATUSES,
  PRESCRIPTION_STATUS_SYSTEM,
  PRESCRIPTION_STATUSES,
  TASK_STATUS,
} from '../status/codes.js';
import { dispensedQuantity, itemStatus } from '../status/state-machine.js';
import type { PrescriptionRecord } from '../store/prescriptions.js';

export const CANCELLED_WITH_DISPENSER_EXTENSION =
  'https://fhir.pathways.dev/StructureDefinition/cancelled-while-with-dispenser';
export const NOMINATED_PHARMACY_EXTENSION =
  'https://fhir.pathways.dev/StructureDefinition/nominated-pharmacy';
export const DISPENSED_QUANTITY_EXTENSION =
  'https://fhir.pathways.dev/StructureDefinition/dispensed-quantity';

export function trackerTask(record: PrescriptionRecord): Task {
  const status = record.state.status;
  const outputs: TaskOutput[] = record.state.items.map((item) => {
    const code = itemStatus(record.state, item);
    return {
      type: {
        coding: [{ system: ITEM_STATUS_SYSTEM, code, display: ITEM_STATUSES[code].display }],
        text: ITEM_STATUSES[code].plain,
      },
      valueReference: { reference: `MedicationRequest/${item.id}` },
      extension: [
        {
          url: DISPENSED_QUANTITY_EXTENSION,
          valueDecimal: dispensedQuantity(record.state.dispenses, item.id),
        },
        ...(item.cancelledWithDispenser
          ? [{ url: CANCELLED_WITH_DISPENSER_EXTENSION, valueBoolean: true }]
          : []),
      ],
    };
  });
  return {
    resourceType: 'Task',
    id: record.longFormId,
    identifier: [{ system: PRESCRIPTION_ORDER_NUMBER, value: record.shortFormId }],
    status: TASK_STATUS[status],
    intent: 'order',
    businessStatus: {
      coding: [
        { system: PRESCRIPTION_STATUS_SYSTEM, code: status, display: PRESCRIPTION_STATUSES[status].display },
      ],
      text: PRESCRIPTION_STATUSES[status].plain,
    },
    focus: { identifier: { system: PRESCRIPTION_ORDER_NUMBER, value: record.shortFormId } },
    for: {
      ...(record.patient ? { reference: record.patient } : {}),
      identifier: { system: record.patientSystem, value: record.patientValue },
    },
    authoredOn: record.createdAt.toISOString(),
    lastModified: record.updatedAt.toISOString(),
    requester: { reference: record.prescriber },
    restriction: { period: { start: record.validFrom.toISOString(), end: record.expiresAt.toISOString() } },
    ...(record.state.dispenser && status !== '0001'
      ? { owner: { identifier: { system: ODS_SYSTEM, value: record.state.dispenser } } }
      : {}),
    ...(record.nominatedPharmacy
      ? {
          extension: [
            {
              url: NOMINATED_PHARMACY_EXTENSION,
              valueIdentifier: { system: ODS_SYSTEM, value: record.nominatedPharmacy },
            },
          ],
        }
      : {}),
    output: outputs,
  };
}
