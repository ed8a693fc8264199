/**
 * The `epr-outbound` outbox consumer: a patient's request to cancel or reschedule an appointment
 * the EPR booked (`appointment-change-requested`) becomes SRM^S04 / SRM^S03, a repeat request
 * (`repeat-requested`) OMP^O09, sent over the EprLink. The outbox hands events over in order per
 * key and retries a thrown error with back-off, forever: while the EPR is down the request simply
 * waits (the portal shows it as waiting). MSH-10 is the event id, so a retry after a lost ACK is
 * a resend the EPR recognises.
 *
 * The EPR's answer is recorded where the portal reads it: on the Appointment's request (AA
 * delivered, AE/AR refused with the EPR's text) or on the Task (`epr-delivery`). The request stays
 * "waiting for the hospital to confirm" after an AA until the EPR's SIU confirms it. Both are
 * written through their declared rules as the feed's system writer: the Appointment's booking
 * rules, and the Task's (task-rules.ts: of a repeat request the feed may set only this answer,
 * or move it in a merge).
 */
import type { Appointment, Identifier, MedicationRequest, Patient, Task } from '@medplum/fhirtypes';
import type { Database, Queryable } from '../../platform/database/database.js';
import { readCurrent } from '../../platform/fhir/store/repository.js';
import type { SystemWriter } from '../../platform/fhir/store/system-writes.js';
import type { Logger } from '../../platform/logging/logger.js';
import type { DomainEvent, ExternalConsumer } from '../../platform/outbox/outbox.js';
import { answered } from '../../portal/index.js';
import { EPR_DELIVERY_EXTENSION } from '../task-rules.js';
import type { EprLink } from './epr-link.js';
import type { EprSettings } from './epr-settings.js';
import {
  type AppointmentChangeRequested,
  appointmentRequestMessage,
  type EprVerdict,
  repeatRequestMessage,
  verdictOf,
} from './outbound-messages.js';

export const EPR_CONSUMER = 'epr-outbound';
export const EPR_EVENT_TYPES = ['appointment-change-requested', 'repeat-requested'] as const;
export { EPR_DELIVERY_EXTENSION };

interface RepeatRequested {
  patient: string;
  task: string;
  prescriberOrg: string;
  medicationRequest: string;
}

async function readLive<T>(q: Queryable, reference: string, forUpdate = false): Promise<T | undefined> {
  const [type, id] = reference.split('/');
  if (!type || !id) return undefined;
  const stored = await readCurrent(q, type, id, { forUpdate });
  return stored && !stored.deleted ? (JSON.parse(stored.content) as T) : undefined;
}

async function identifiersOf(db: Queryable, patient: string): Promise<Identifier[]> {
  return (await readLive<Patient>(db, patient))?.identifier ?? [];
}

async function messageFor(db: Queryable, event: DomainEvent, now: Date): Promise<string> {
  if (event.type === 'appointment-change-requested') {
    const request = event.payload as AppointmentChangeRequested;
    return appointmentRequestMessage(event.id, request, await identifiersOf(db, request.patient), now);
  }
  const payload = event.payload as RepeatRequested;
  const task = await readLive<Task>(db, payload.task);
  const item = await readLive<MedicationRequest>(db, payload.medicationRequest);
  const coding = item?.medicationCodeableConcept?.coding?.[0];
  const display = item?.medicationCodeableConcept?.text ?? coding?.display;
  return repeatRequestMessage(
    event.id,
    {
      task: payload.task,
      prescriberOrg: payload.prescriberOrg,
      medication: coding || display ? { ...coding, ...(display ? { display } : {}) } : undefined,
      dosage: item?.dosageInstruction?.[0]?.text,
      note: task?.note?.[0]?.text,
      requestedAt: task?.authoredOn ?? event.occurredAt,
    },
    await identifiersOf(db, payload.patient),
    now,
  );
}

/** Records the EPR's answer in one transaction; a repeat of it changes nothing. */
export async function recordVerdict(
  tx: Queryable,
  writer: SystemWriter,
  event: DomainEvent,
  verdict: EprVerdict,
): Promise<void> {
  if (event.type === 'appointment-change-requested') {
    const reference = (event.payload as AppointmentChangeRequested).appointment;
    const appointment = await readLive<Appointment>(tx, reference, true);
    if (!appointment) return;
    const next = answered(
      appointment,
      event.id,
      verdict.accepted ? { accepted: true } : { accepted: false, reason: verdict.reason },
    );
    if (next) await writer.update(tx, { ...next, id: appointment.id! }, { before: appointment });
    return;
  }
  const reference = (event.payload as RepeatRequested).task;
  const task = await readLive<Task>(tx, reference, true);
  if (!task) return;
  const delivery = {
    url: EPR_DELIVERY_EXTENSION,
    extension: [
      { url: 'state', valueCode: verdict.accepted ? 'delivered' : 'refused' },
      { url: 'event', valueString: event.id },
      ...(verdict.accepted ? [] : [{ url: 'reason', valueString: verdict.reason }]),
    ],
  };
  const others = (task.extension ?? []).filter((e) => e.url !== EPR_DELIVERY_EXTENSION);
  await writer.update(tx, { ...task, id: task.id!, extension: [...others, delivery] }, { before: task });
}

export function createEprConsumer(options: {
  db: Database;
  /** The feed's writer: the Appointment and the Task through their declared rules. */
  writer: SystemWriter;
  link: EprLink;
  settings: Pick<EprSettings, 'retry' | 'timeoutMs'>;
  log: Logger;
  now?: () => Date;
}): ExternalConsumer {
  const { db, writer, link, settings, log } = options;
  const now = options.now ?? (() => new Date());
  return {
    name: EPR_CONSUMER,
    types: [...EPR_EVENT_TYPES],
    ordered: true,
    concurrency: 1,
    retry: { ...settings.retry },
    // Connect and ACK each have timeoutMs; the attempt as a whole a little more.
    timeoutMs: settings.timeoutMs * 2 + 1_000,
    async deliver(event) {
      const message = await messageFor(db, event, now());
      const ack = await link.send(message);
      const verdict = verdictOf(ack, event.id);
      await db.transaction((tx) => recordVerdict(tx, writer, event, verdict));
      log.info(
        { event: event.id, type: event.type, verdict: verdict.accepted ? 'AA' : verdict.code },
        'EPR answered',
      );
    },
    async close() {
      await link.close();
    },
  };
}
