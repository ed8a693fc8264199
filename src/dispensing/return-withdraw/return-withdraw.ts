import type { Principal } from '../../platform/auth/principal.js';
import type { Database } from '../../platform/database/database.js';
import { forbidden, informational, invalid } from '../../platform/errors/problem.js';
import { emit } from '../../platform/outbox/outbox.js';
import {
  findMessage,
  notReleasedToCaller,
  recordMessage,
  saveState,
  transition,
  withPrescriptionLocked,
} from '../../prescribing/index.js';
import { type ParsedTaskRequest, parseTaskRequest } from './parse-task.js';

export interface TaskApplied {
  request: ParsedTaskRequest;
  patient: string | undefined;
  changed: boolean;
}

export async function applyTaskRequest(
  db: Database,
  input: unknown,
  caller: Principal,
): Promise<TaskApplied> {
  const request = parseTaskRequest(input);
  const { task } = request;
  const pharmacy = caller.org;
  if (!pharmacy) throw forbidden('Dispensing needs a token issued for the pharmacy');
  const messageId = `task:${request.requestId}`;
  const earlier = await findMessage(db, messageId);
  if (earlier) {
    const answered = earlier.response as { patient?: string; pharmacy?: string };
    // Only the pharmacy that sent it gets the resend answered; anyone else learns nothing.
    if (answered.pharmacy !== undefined && answered.pharmacy !== pharmacy) throw notReleasedToCaller();
    if (earlier.shortFormId !== request.shortFormId || earlier.kind !== request.kind) {
      throw invalid(`Task ${request.requestId} was already used for another request`, 'Task.identifier');
    }
    return { request, patient: answered.patient, changed: false };
  }
  return withPrescriptionLocked(db, request.shortFormId, async (tx, record) => {
    const { state } = transition(
      record.state,
      request.kind === 'withdraw'
        ? { type: 'withdraw', pharmacy, at: new Date().toISOString() }
        : { type: 'return', pharmacy },
    );
    await saveState(tx, record, state);
    await emit(tx, {
      type: request.kind === 'return' ? 'prescription-returned' : 'dispense-withdraw',
      key: request.shortFormId,
      payload: {
        prescriptionId: request.shortFormId,
        ...(record.patient ? { patient: record.patient } : {}),
        pharmacy,
        status: state.status,
        ...(state.repeat ? { issue: state.repeat.issue } : {}),
        ...(request.kind === 'withdraw' ? { resource: task } : {}),
      },
    });
    await recordMessage(tx, messageId, {
      shortFormId: request.shortFormId,
      kind: request.kind,
      digest: '',
      response: { patient: record.patient, pharmacy },
    });
    return { request, patient: record.patient, changed: true };
  });
}

export function taskOutcome(applied: TaskApplied) {
  return informational(
    applied.request.kind === 'return'
      ? `Prescription ${applied.request.shortFormId} returned`
      : `The latest dispense notification of ${applied.request.shortFormId} was withdrawn`,
  );
}
