/**
 * A prescription status update from a pharmacy system, in the shape of NHS England's Prescription
 * Status Update (PSU) API, pure: a Task about one item (`focus`) of a prescription (`basedOn`)
 * with a `businessStatus` in https://fhir.nhs.uk/CodeSystem/task-businessStatus-nppt, the
 * pharmacy as `owner`, and `lastModified` (refused more than 24 hours in the future).
 */
import type { Identifier, Task } from '@medplum/fhirtypes';
import { invalid, missing, Problem } from '../../platform/errors/problem.js';
import {
  ODS_CODE,
  ODS_SYSTEM,
  PRESCRIPTION_ITEM_NUMBER,
  PRESCRIPTION_ORDER_NUMBER,
  PSU_BUSINESS_STATUS_SYSTEM,
  PSU_STATUSES,
  type PsuStatus,
  READY_TO_COLLECT,
  shortFormIdProblem,
} from '../../prescribing/index.js';

export { PSU_BUSINESS_STATUS_SYSTEM, PSU_STATUSES, type PsuStatus, READY_TO_COLLECT };

/** How far in the future a lastModified may be (clock differences between systems). */
export const MAX_FUTURE_MS = 24 * 3600 * 1000;

export interface StatusUpdate {
  updateId: string;
  shortFormId: string;
  itemId: string;
  pharmacy: string;
  businessStatus: PsuStatus;
  taskStatus: 'in-progress' | 'completed';
  lastModified: Date;
  patient?: Identifier;
}

export function isStatusUpdate(input: unknown): boolean {
  const task = input as Task | undefined;
  return (
    task?.resourceType === 'Task' &&
    task.businessStatus?.coding?.some((coding) => coding.system === PSU_BUSINESS_STATUS_SYSTEM) === true
  );
}

export function parseStatusUpdate(input: unknown, now: Date): StatusUpdate {
  const task = input as Task;
  const updateId = task.identifier?.[0]?.value;
  if (!updateId) throw missing('Task.identifier (the update id) is required', 'Task.identifier');
  if (task.intent !== 'order') throw invalid('intent must be "order"', 'Task.intent');
  if (task.status !== 'in-progress' && task.status !== 'completed') {
    throw invalid('status must be "in-progress" or "completed"', 'Task.status');
  }
  const code = task.businessStatus?.coding?.find(
    (coding) => coding.system === PSU_BUSINESS_STATUS_SYSTEM,
  )?.code;
  if (!code || !(code in PSU_STATUSES)) {
    throw invalid(
      `businessStatus must be one of ${Object.keys(PSU_STATUSES).join(', ')}`,
      'Task.businessStatus.coding.code',
    );
  }
  const prescription = task.basedOn?.[0]?.identifier;
  if (!prescription?.value || (prescription.system && prescription.system !== PRESCRIPTION_ORDER_NUMBER)) {
    throw missing(`basedOn must name the prescription in ${PRESCRIPTION_ORDER_NUMBER}`, 'Task.basedOn');
  }
  const problem = shortFormIdProblem(prescription.value);
  if (problem === 'checksum') {
    throw new Problem(
      'INVALID_CHECKSUM',
      `The check character of prescription ID ${prescription.value} is wrong`,
      {
        expression: 'Task.basedOn',
      },
    );
  }
  if (problem) throw invalid(`${prescription.value} is not a prescription ID`, 'Task.basedOn');
  const item = task.focus?.identifier;
  if (!item?.value || item.system !== PRESCRIPTION_ITEM_NUMBER) {
    throw missing(`focus must name the item in ${PRESCRIPTION_ITEM_NUMBER}`, 'Task.focus');
  }
  const owner = task.owner?.identifier;
  if (owner?.system !== ODS_SYSTEM || !owner.value || !ODS_CODE.test(owner.value)) {
    throw missing('owner must be the pharmacy by its ODS code', 'Task.owner');
  }
  if (!task.lastModified) throw missing('lastModified is required', 'Task.lastModified');
  const lastModified = new Date(task.lastModified);
  if (Number.isNaN(lastModified.getTime()))
    throw invalid('lastModified is not a date-time', 'Task.lastModified');
  if (lastModified.getTime() > now.getTime() + MAX_FUTURE_MS) {
    throw invalid('lastModified is more than 24 hours in the future', 'Task.lastModified');
  }
  return {
    updateId,
    shortFormId: prescription.value,
    itemId: item.value.toLowerCase(),
    pharmacy: owner.value,
    businessStatus: code as PsuStatus,
    taskStatus: task.status,
    lastModified,
    ...(task.for?.identifier ? { patient: task.for.identifier } : {}),
  };
}

/** Whether a "ready to collect" update should message the patient, given the last message's time. */
export function notifyPatient(
  status: PsuStatus,
  lastNotifiedAt: Date | undefined,
  now: Date,
  coolDownHours: number,
): boolean {
  if (!READY_TO_COLLECT.includes(status)) return false;
  return !lastNotifiedAt || now.getTime() - lastNotifiedAt.getTime() >= coolDownHours * 3600 * 1000;
}
