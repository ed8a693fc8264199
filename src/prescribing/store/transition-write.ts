/**
 * A prescription's transition written in one statement (prescription_transition, migration 0029):
 * the state, the resources it changes or creates, its event and the message receipt, applied only
 * to the version the transition was computed from. The caller reads without a lock, decides, and
 * on false reads again and decides again (the state machine then sees the other request's change),
 * so racing requests serialise on the row exactly as they did under SELECT … FOR UPDATE.
 */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../platform/database/database.js';
import { Problem } from '../../platform/errors/problem.js';
import type { NewResource, ResourceVersion } from '../../platform/fhir/store/repository.js';
import { EMIT_LOCK_NAMESPACE } from '../../platform/outbox/events.js';
import { earlierUnclaimedSince } from '../repeat/repeat-state.js';
import type { PrescriptionState } from '../status/state-machine.js';
import type { PrescriptionRecord } from './prescriptions.js';

export interface TransitionWrite {
  record: Pick<PrescriptionRecord, 'shortFormId' | 'version'>;
  state: PrescriptionState;
  event?: { type: string; payload: unknown };
  message?: { messageId: string; kind: string; digest: string; response: unknown };
  /** New versions of existing resources (repository.ts `prepareVersion`). */
  resources?: ResourceVersion[];
  /** New resources (repository.ts `prepareCreate`). */
  created?: NewResource[];
}

const ITEM_CONFLICT = 'PW409';

/** JSON text of a resource row; `index` is already JSON text, so it is spliced in, not re-encoded. */
function resourceJson(row: {
  resourceType: string;
  id: string;
  lastUpdated: Date;
  content: string;
  index: string;
  versionId?: number;
}): string {
  const head = JSON.stringify({
    type: row.resourceType,
    id: row.id,
    ...(row.versionId !== undefined ? { version: row.versionId } : {}),
    last_updated: row.lastUpdated.toISOString(),
    content: row.content,
  });
  return `${head.slice(0, -1)},"index":${row.index}}`;
}

/** True when written; false when the prescription changed since it was read (read again). */
export async function writeTransition(q: Queryable, write: TransitionWrite): Promise<boolean> {
  const { state } = write;
  // As saveState: the eRD columns the repeat-issue and no-claim jobs find their work by.
  const change = {
    dispensed_now: false,
    repeat: true,
    next_issue_at: state.repeat?.nextIssueFrom ? new Date(state.repeat.nextIssueFrom).toISOString() : null,
    earlier_unclaimed_since: earlierUnclaimedSince(state.repeat)?.toISOString() ?? null,
  };
  const event = write.event && {
    id: randomUUID(),
    type: write.event.type,
    payload: write.event.payload,
    lock: EMIT_LOCK_NAMESPACE,
  };
  const message = write.message && {
    message_id: write.message.messageId,
    kind: write.message.kind,
    digest: write.message.digest,
    response: write.message.response,
  };
  try {
    const result = await q.query<{ changed: boolean }>(
      `SELECT prescription_transition($1, $2, $3::jsonb, $4::jsonb, $5::jsonb, $6::jsonb, $7::jsonb, $8::jsonb)
         AS changed`,
      [
        write.record.shortFormId,
        write.record.version,
        JSON.stringify(state),
        JSON.stringify(change),
        event ? JSON.stringify(event) : null,
        message ? JSON.stringify(message) : null,
        `[${(write.resources ?? []).map(resourceJson).join(',')}]`,
        `[${(write.created ?? []).map(resourceJson).join(',')}]`,
      ],
    );
    return result.rows[0]?.changed === true;
  } catch (error) {
    if ((error as { code?: unknown }).code === ITEM_CONFLICT) {
      throw new Problem('CONFLICT', (error as Error).message);
    }
    throw error;
  }
}
