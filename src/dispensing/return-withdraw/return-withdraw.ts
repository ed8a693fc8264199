import type { Principal } from '../../platform/auth/principal.js';
import type { Database } from '../../platform/database/database.js';
import { forbidden, informational, invalid, Problem } from '../../platform/errors/problem.js';
import {
  changedMeanwhile,
  findMessage,
  findPrescription,
  MAX_CHANGE_ATTEMPTS,
  notReleasedToCaller,
  transition,
  writeTransition,
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
  // Read without a lock, decided, and written in one statement over the version read (migration
  // 0029); a request that lost a race reads again and the state machine judges the new state.
  for (let attempt = 1; ; attempt++) {
    const record = await findPrescription(db, request.shortFormId, { summary: true });
    if (!record)
      throw new Problem('PRESCRIPTION_NOT_FOUND', `Prescription ${request.shortFormId} was not found`);
    const { state } = transition(
      record.state,
      request.kind === 'withdraw'
        ? { type: 'withdraw', pharmacy, at: new Date().toISOString() }
        : { type: 'return', pharmacy },
    );
    const written = await writeTransition(db, {
      record,
      state,
      event: {
        type: request.kind === 'return' ? 'prescription-returned' : 'dispense-withdraw',
        payload: {
          prescriptionId: request.shortFormId,
          ...(record.patient ? { patient: record.patient } : {}),
          pharmacy,
          status: state.status,
          ...(state.repeat ? { issue: state.repeat.issue } : {}),
          ...(request.kind === 'withdraw' ? { resource: task } : {}),
        },
      },
      message: {
        messageId,
        kind: request.kind,
        digest: '',
        response: { patient: record.patient, pharmacy },
      },
    });
    if (written) return { request, patient: record.patient, changed: true };
    if (attempt >= MAX_CHANGE_ATTEMPTS) throw changedMeanwhile(request.shortFormId);
  }
}

export function taskOutcome(applied: TaskApplied) {
  return informational(
    applied.request.kind === 'return'
      ? `Prescription ${applied.request.shortFormId} returned`
      : `The latest dispense notification of ${applied.request.shortFormId} was withdrawn`,
  );
}
