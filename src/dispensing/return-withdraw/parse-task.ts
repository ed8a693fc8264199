/**
 * POST /fhir/R4/Task carries two EPS requests (docs/api.md §7), told apart by status and code:
 * a return (`status: rejected`: the pharmacy gives the prescription back) and a withdrawal
 * (`status: in-progress`, `code: abort`: the latest dispense notification is undone). Pure.
 */
import type { Task } from '@medplum/fhirtypes';
import { invalid, missing, Problem } from '../../platform/errors/problem.js';
import { validateResourceOf } from '../../platform/fhir/validation/index.js';
import { PRESCRIPTION_ORDER_NUMBER, shortFormIdProblem } from '../../prescribing/index.js';

export interface ParsedTaskRequest {
  kind: 'return' | 'withdraw';
  shortFormId: string;
  /** Task.identifier: a resend of the same request is answered again and changes nothing. */
  requestId: string;
  /** The Task as received, valid R4. */
  task: Task;
}

const TASK_CODE_SYSTEM = 'http://hl7.org/fhir/CodeSystem/task-code';

/** Reads the body as `unknown`: the R4 validation first, so every element has its JSON type. */
export function parseTaskRequest(input: unknown): ParsedTaskRequest {
  const task = validateResourceOf<Task>(input, 'Task', 'POST /Task takes a Task (return or withdraw)');
  const abort = task.code?.coding?.some(
    (coding) => coding.code === 'abort' && (!coding.system || coding.system === TASK_CODE_SYSTEM),
  );
  let kind: ParsedTaskRequest['kind'];
  if (task.status === 'rejected') kind = 'return';
  else if (task.status === 'in-progress' && abort) kind = 'withdraw';
  else {
    throw invalid(
      'A Task here is a return (status "rejected") or a withdrawal (status "in-progress", code "abort")',
      'Task.status',
    );
  }
  if (!task.statusReason?.coding?.length && !task.statusReason?.text) {
    throw missing(`A ${kind} needs a statusReason`, 'Task.statusReason');
  }
  const group = task.groupIdentifier;
  if (!group?.value || (group.system && group.system !== PRESCRIPTION_ORDER_NUMBER)) {
    throw missing(
      `Task.groupIdentifier must be the prescription ID (${PRESCRIPTION_ORDER_NUMBER})`,
      'Task.groupIdentifier',
    );
  }
  const problem = shortFormIdProblem(group.value);
  if (problem === 'checksum') {
    throw new Problem('INVALID_CHECKSUM', `The check character of prescription ID ${group.value} is wrong`, {
      expression: 'Task.groupIdentifier.value',
    });
  }
  if (problem) throw invalid(`${group.value} is not a prescription ID`, 'Task.groupIdentifier.value');
  const requestId = task.identifier?.[0]?.value;
  if (!requestId) throw missing('Task.identifier (the request id) is required', 'Task.identifier');
  return { kind, shortFormId: group.value, requestId, task };
}
