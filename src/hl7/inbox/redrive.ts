/**
 * The dead-letter list (messages not applied: AE or a failure to store) and their re-drive: the
 * stored raw message goes through the processor again, as if resent, so a message fixed by a later
 * one (the admission that arrived after the transfer) or by an operator's correction applies once.
 * A message applied meanwhile is a duplicate and changes nothing.
 */
import type { Queryable } from '../../platform/database/database.js';
import { Problem } from '../../platform/errors/problem.js';
import { parseText } from '../message/parse.js';
import type { MessageProcessor, Processed } from './processor.js';

export interface DeadLetter {
  id: string;
  sendingApplication: string;
  sendingFacility: string;
  controlId: string;
  messageType: string;
  status: string;
  receivedAt: string;
  attempts: number;
  error: string | null;
  errorLocation: string | null;
}

interface Row {
  id: string;
  sending_application: string;
  sending_facility: string;
  control_id: string;
  message_type: string;
  trigger_event: string;
  status: string;
  received_at: Date | string;
  attempts: number;
  error: string | null;
  error_location: string | null;
}

export async function listMessages(
  q: Queryable,
  status: 'failed' | 'rejected',
  limit = 100,
): Promise<DeadLetter[]> {
  const result = await q.query<Row>(
    `SELECT id::text AS id, sending_application, sending_facility, control_id, message_type, trigger_event, status,
       received_at, attempts, error, error_location
     FROM hl7_message WHERE status = $1 ORDER BY received_at, id LIMIT $2`,
    [status, limit],
  );
  return result.rows.map((row) => ({
    id: row.id,
    sendingApplication: row.sending_application,
    sendingFacility: row.sending_facility,
    controlId: row.control_id,
    messageType: `${row.message_type}^${row.trigger_event}`,
    status: row.status,
    receivedAt: new Date(row.received_at).toISOString(),
    attempts: row.attempts,
    error: row.error,
    errorLocation: row.error_location,
  }));
}

/** Runs the stored message `id` through the processor again; its outcome and ACK. */
export async function redrive(q: Queryable, processor: MessageProcessor, id: string): Promise<Processed> {
  if (!/^\d{1,18}$/.test(id)) throw new Problem('NOT_FOUND', `HL7 message ${id} not found`);
  const result = await q.query<{ raw: string }>('SELECT raw FROM hl7_message WHERE id = $1', [id]);
  const row = result.rows[0];
  if (!row) throw new Problem('NOT_FOUND', `HL7 message ${id} not found`);
  const characterSet = /^MSH/.test(row.raw)
    ? (row.raw.split('\r')[0]!.split(row.raw.charAt(3))[17] ?? '')
    : '';
  return processor.processParsed(parseText({ text: row.raw, characterSet }));
}
