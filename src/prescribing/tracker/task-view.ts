/**
 * The tracker's view of a prescription (docs/api.md §6), pure: one Task per prescription with the
 * EPS status as businessStatus, the dispensing pharmacy as owner, and one output per item with
 * the item's status. Items the prescriber cancelled while the pharmacy held the prescription are
 * flagged so the pharmacy's system can warn before anything is handed over.
 */
import type { Extension, Task, TaskOutput } from '@medplum/fhirtypes';
import { ODS_SYSTEM, PRESCRIPTION_ORDER_NUMBER } from '../order/bundle-entries.js';
import { PRESCRIPTION_ISSUE_EXTENSION, PRESCRIPTION_ISSUE_SYSTEM } from '../repeat/repeat-state.js';
import {
  ITEM_STATUS_SYSTEM,
  ITEM_STATUSES,
  PRESCRIPTION_STATUS_SYSTEM,
  PRESCRIPTION_STATUSES,
  TASK_STATUS,
} from '../status/codes.js';
import { PSU_BUSINESS_STATUS_SYSTEM, PSU_STATUSES, type PsuStatus } from '../status/pharmacy-statuses.js';
import { dispensedQuantity, itemStatus } from '../status/state-machine.js';
import type { PrescriptionRecord } from '../store/prescriptions.js';
import type { StoredStatusUpdate } from '../store/status-updates.js';

export const CANCELLED_WITH_DISPENSER_EXTENSION =
  'https://fhir.pathways.dev/StructureDefinition/cancelled-while-with-dispenser';
export const NOMINATED_PHARMACY_EXTENSION =
  'https://fhir.pathways.dev/StructureDefinition/nominated-pharmacy';
export const DISPENSED_QUANTITY_EXTENSION =
  'https://fhir.pathways.dev/StructureDefinition/dispensed-quantity';

/** An eRD's issue: its number, how many, when the next is available, and the earlier ones' statuses. */
function issueExtension(record: PrescriptionRecord): Extension[] {
  const repeat = record.state.repeat;
  if (!repeat) return [];
  return [
    {
      url: PRESCRIPTION_ISSUE_EXTENSION,
      extension: [
        { url: 'issueNumber', valueUnsignedInt: repeat.issue },
        { url: 'issuesAuthorised', valueUnsignedInt: repeat.issues },
        { url: 'intervalDays', valueUnsignedInt: repeat.intervalDays },
        { url: 'authorisedUntil', valueDateTime: repeat.authorisedUntil },
        // When the current issue became available: the prescription's start for issue 1.
        { url: 'issueAvailableFrom', valueDateTime: repeat.issueStartedAt ?? record.validFrom.toISOString() },
        ...(repeat.nextIssueFrom
          ? [{ url: 'nextIssueAvailableFrom', valueDateTime: repeat.nextIssueFrom }]
          : []),
        ...(repeat.ended ? [{ url: 'ended', valueCode: repeat.ended }] : []),
        ...repeat.earlier.map((issue) => ({
          url: 'earlierIssue',
          extension: [
            { url: 'issueNumber', valueUnsignedInt: issue.issue },
            {
              url: 'status',
              valueCoding: {
                system: PRESCRIPTION_STATUS_SYSTEM,
                code: issue.status,
                display: PRESCRIPTION_STATUSES[issue.status].display,
              },
            },
            ...(issue.dispenser
              ? [{ url: 'dispenser', valueIdentifier: { system: ODS_SYSTEM, value: issue.dispenser } }]
              : []),
          ],
        })),
      ],
    },
  ];
}

export const PHARMACY_STATUS_EXTENSION = 'https://fhir.pathways.dev/StructureDefinition/pharmacy-status';

/** What the pharmacy last said (a status update), in its code and the patient's words. */
function pharmacyStatus(update: StoredStatusUpdate): Extension {
  return {
    url: PHARMACY_STATUS_EXTENSION,
    extension: [
      {
        url: 'status',
        valueCodeableConcept: {
          coding: [{ system: PSU_BUSINESS_STATUS_SYSTEM, code: update.businessStatus }],
          text: PSU_STATUSES[update.businessStatus as PsuStatus] ?? update.businessStatus,
        },
      },
      { url: 'lastModified', valueDateTime: update.lastModified.toISOString() },
    ],
  };
}

/**
 * `updates`: the pharmacy's latest status update per item (newest first). Updates sent for an
 * earlier issue of an eRD are older than the current issue and not shown.
 */
export function trackerTask(record: PrescriptionRecord, updates: StoredStatusUpdate[] = []): Task {
  const status = record.state.status;
  const issueStartedAt = record.state.repeat?.issueStartedAt;
  const current = issueStartedAt
    ? updates.filter((update) => update.lastModified >= new Date(issueStartedAt))
    : updates;
  const latest = current[0];
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
        ...current.filter((update) => update.itemId === item.id).map(pharmacyStatus),
      ],
    };
  });
  return {
    resourceType: 'Task',
    id: record.longFormId,
    identifier: [
      { system: PRESCRIPTION_ORDER_NUMBER, value: record.shortFormId },
      ...(record.state.repeat
        ? [{ system: PRESCRIPTION_ISSUE_SYSTEM, value: `${record.shortFormId}/${record.state.repeat.issue}` }]
        : []),
    ],
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
    ...(record.nominatedPharmacy || record.state.repeat || latest
      ? {
          extension: [
            ...(record.nominatedPharmacy
              ? [
                  {
                    url: NOMINATED_PHARMACY_EXTENSION,
                    valueIdentifier: { system: ODS_SYSTEM, value: record.nominatedPharmacy },
                  },
                ]
              : []),
            ...issueExtension(record),
            ...(latest ? [pharmacyStatus(latest)] : []),
          ],
        }
      : {}),
    output: outputs,
  };
}
