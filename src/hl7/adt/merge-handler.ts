/**
 * ADT A40 (merge patient), A34 (merge patient information) and A47 (change patient identifier
 * list) — HAZ-MERGE. The record named by MRG-1 is retired: `active: false`, `link` `replaced-by`
 * the survivor (PID-3), which `replaces` it; the records of the retired patient's compartment that
 * the feed and portal keep (stays, results, orders, appointments) are moved to the survivor, so
 * nothing stays shown under the retired identifier, and so are the patient's repeat requests
 * (portal Tasks). Prescriptions are not moved: their signed content names the patient they were
 * written for. The portal's own rows follow too (merge-followers.ts): the retired record's portal
 * sessions are revoked and its accounts, result releases and notification preferences move to
 * the survivor, in the same transaction. `patient-merged` tells everyone else.
 */
import type { Patient, PatientLink, Resource } from '@medplum/fhirtypes';
import { emit } from '../../platform/outbox/outbox.js';
import { REPEAT_REQUEST_CODE, TASK_CODE_SYSTEM } from '../../portal/index.js';
import { type HandlerContext, type MessageHandler, segment } from '../handler.js';
import { lockKey, readStored, writeResource } from '../inbox/resource-writer.js';
import { CONDITION, contentError } from '../message/hl7-error.js';
import type { MergeFollower } from './merge-followers.js';
import { identifierOf } from './patient-mapping.js';
import { findPatient, patientLockKey, upsertPatient } from './patient-store.js';

/** The compartment types a merge moves to the survivor. */
export const MOVED_TYPES = ['Encounter', 'DiagnosticReport', 'Observation', 'ServiceRequest', 'Appointment'];

function link(patient: Patient, other: string, type: PatientLink['type']): Patient {
  const links = (patient.link ?? []).filter((l) => l.other.reference !== other);
  return { ...patient, link: [...links, { other: { reference: other }, type }] };
}

async function moveCompartment(context: HandlerContext, retired: string, survivor: string): Promise<number> {
  // Of the Tasks, only the patient's repeat requests: a prescription's Tasks stay with it.
  const rows = await context.tx.query<{ resource_type: string; id: string }>(
    `SELECT DISTINCT r.resource_type, r.id FROM search_reference r
     WHERE r.target_type = 'Patient' AND r.target_id = $1
       AND (r.resource_type = ANY($2::text[])
         OR (r.resource_type = 'Task' AND EXISTS (SELECT 1 FROM search_token c WHERE c.resource_type = 'Task'
               AND c.id = r.id AND c.param = 'code' AND c.system = $3 AND c.value = $4)))
     ORDER BY r.resource_type, r.id`,
    [retired.slice('Patient/'.length), MOVED_TYPES, TASK_CODE_SYSTEM, REPEAT_REQUEST_CODE],
  );
  for (const row of rows.rows) {
    const resource = await readStored<Resource>(context.tx, `${row.resource_type}/${row.id}`);
    if (!resource) continue;
    const moved = JSON.parse(
      JSON.stringify(resource).replaceAll(`"${retired}"`, `"${survivor}"`),
    ) as Resource;
    await writeResource(context, moved);
  }
  return rows.rows.length;
}

export function mergeHandlerWith(followers: readonly MergeFollower[]): MessageHandler {
  return {
    messageType: 'ADT',
    triggers: new Set(['A40', 'A34', 'A47']),
    async apply(context) {
      const mrg = segment(context.parsed, 'MRG');
      if (!mrg) throw contentError('The MRG segment is missing', { segment: 'MRG' });
      const priorIds = mrg
        .repetitions(1)
        .map((cx) => identifierOf(cx, mrg, context.facility))
        .filter((i) => i !== undefined);
      if (priorIds.length === 0)
        throw contentError('MRG-1 (prior patient identifier list) is empty', { segment: 'MRG', field: 1 });
      await lockKey(context.tx, patientLockKey(priorIds));
      const retiredRecord = await findPatient(context.tx, priorIds, { followMerges: false });
      if (!retiredRecord?.id) {
        throw contentError(
          'No patient has the prior identifier in MRG-1',
          { segment: 'MRG', field: 1 },
          CONDITION.unknownKey,
        );
      }
      const survivor = await upsertPatient(context);
      if (survivor.id === retiredRecord.id) return;
      const retiredRef = `Patient/${retiredRecord.id}`;
      const survivorRef = `Patient/${survivor.id}`;
      if (retiredRecord.link?.some((l) => l.type === 'replaced-by' && l.other.reference === survivorRef))
        return;
      await writeResource(context, { ...link(retiredRecord, survivorRef, 'replaced-by'), active: false });
      await writeResource(context, link(survivor, retiredRef, 'replaces'));
      const moved = await moveCompartment(context, retiredRef, survivorRef);
      for (const follower of followers) {
        await follower.followMerge(context.tx, { retired: retiredRef, survivor: survivorRef });
      }
      await emit(context.tx, {
        type: 'patient-merged',
        key: retiredRef,
        payload: {
          retired: retiredRef,
          survivor: survivorRef,
          moved,
          trigger: context.parsed.header.triggerEvent,
        },
      });
    },
  };
}

/** The merge without followers (a feed with no portal). */
export const mergeHandler: MessageHandler = mergeHandlerWith([]);
