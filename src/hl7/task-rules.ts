/**
 * What the hospital feed may write of a Task, declared to the platform like every type it writes
 * (as the system writer `hl7`): the patient's repeat requests (the portal's Tasks), and of them
 * only two changes — a merge moving one to the surviving record (HAZ-MERGE: every reference to
 * the retired patient becomes the survivor, merge-handler.ts), and the EPR's answer to it (the
 * `epr-delivery` extension, epr/epr-consumer.ts). It creates none and changes nothing else: not
 * its status (the prescriber's `$complete-repeat`), owner, medicine or note, and never a
 * prescription's Tasks (release, return, withdraw: dispensing's operations). No HTTP role may
 * write a Task through the generic routes, as before it was declared; Tasks change through their
 * owners' operations.
 */
import type { Task } from '@medplum/fhirtypes';
import { SystemWriteRefused } from '../platform/fhir/store/system-writes.js';
import { NOBODY, type WriteRules } from '../platform/fhir/write-rules.js';
import { REPEAT_REQUEST_CODE, TASK_CODE_SYSTEM } from '../portal/index.js';
import { sameContent } from './same-content.js';

/** Where the EPR's answer to a repeat request is recorded on its Task (the portal shows it). */
export const EPR_DELIVERY_EXTENSION = 'https://fhir.pathways.dev/StructureDefinition/epr-delivery';

const PATIENT_REFERENCE = /^Patient\/[A-Za-z0-9\-.]{1,64}$/;

function isRepeatRequest(task: Task): boolean {
  return (task.code?.coding ?? []).some(
    (coding) => coding.system === TASK_CODE_SYSTEM && coding.code === REPEAT_REQUEST_CODE,
  );
}

/** The Task without the feed's own extension (and without an extension list it leaves empty). */
function withoutDelivery(task: Task): Task {
  const { extension, ...rest } = task;
  const others = (extension ?? []).filter((item) => item.url !== EPR_DELIVERY_EXTENSION);
  return others.length > 0 ? { ...rest, extension: others } : rest;
}

/**
 * Why the feed may not change `before` into `after`, or undefined when it may: `after` must be
 * `before` with, at most, its patient moved to another Patient (every reference to it, as a merge
 * moves it) and the `epr-delivery` extension set.
 */
export function feedTaskRefusal(before: Task | undefined, after: Task): string | undefined {
  if (!before) return 'the hospital feed creates no Task';
  if (!isRepeatRequest(before)) return 'the hospital feed changes no Task but a repeat request';
  const from = before.for?.reference;
  const to = after.for?.reference;
  if (!from || !to || !PATIENT_REFERENCE.test(to)) {
    return "the hospital feed keeps a repeat request's patient (Task.for) a Patient";
  }
  const moved =
    from === to
      ? before
      : (JSON.parse(JSON.stringify(before).replaceAll(JSON.stringify(from), JSON.stringify(to))) as Task);
  if (!sameContent(withoutDelivery(moved), withoutDelivery(after))) {
    return "the hospital feed changes a repeat request's patient (a merge) and its epr-delivery extension, nothing else";
  }
  return undefined;
}

export const feedTaskRules: (writer: string) => WriteRules<Task> = (writer) => ({
  write: NOBODY,
  systemWriters: [writer],
  audit: 'patient-data',
  // Its check runs in the write's transaction, against the version it replaces.
  inTransactionBundle: false,
  async beforeWrite(_tx, { before, after }) {
    const refusal = after ? feedTaskRefusal(before, after) : 'the hospital feed deletes no Task';
    if (refusal) throw new SystemWriteRefused(refusal);
    return undefined;
  },
});
