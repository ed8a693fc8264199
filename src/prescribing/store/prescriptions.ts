/**
 * The prescription table: the signed order as received and the state machine's state. Every
 * change goes through `loadForUpdate` (row lock) → `transition` → `saveState` in one transaction,
 * so concurrent releases or dispenses of one prescription are serialised by PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../platform/database/database.js';
import { Problem } from '../../platform/errors/problem.js';
import { EMIT_LOCK_NAMESPACE } from '../../platform/outbox/events.js';
import { earlierUnclaimedSince } from '../repeat/repeat-state.js';
import type { PrescriptionStatus } from '../status/codes.js';
import type { PrescriptionState } from '../status/state-machine.js';

export interface PrescriptionRecord {
  shortFormId: string;
  longFormId: string;
  messageId: string;
  payloadDigest: string;
  status: PrescriptionStatus;
  state: PrescriptionState;
  prescriber: string;
  prescriberOrg: string;
  nominatedPharmacy: string | undefined;
  dispenser: string | undefined;
  patient: string | undefined;
  patientSystem: string;
  patientValue: string;
  controlled: boolean;
  sigT: Date;
  validFrom: Date;
  expiresAt: Date;
  signedBundle: string;
  createdAt: Date;
  updatedAt: Date;
  lastDispensedAt: Date | undefined;
  version: number;
}

export interface PrescriptionRow {
  short_form_id: string;
  long_form_id: string;
  message_id: string;
  payload_digest: string;
  status: PrescriptionStatus;
  state: PrescriptionState | string;
  prescriber: string;
  prescriber_org: string;
  nominated_pharmacy: string | null;
  dispenser: string | null;
  patient: string | null;
  patient_system: string;
  patient_value: string;
  controlled: boolean;
  sig_t: Date;
  valid_from: Date;
  expires_at: Date;
  signed_bundle: string;
  created_at: Date;
  updated_at: Date;
  last_dispensed_at: Date | null;
  version: number;
}

export const PRESCRIPTION_COLUMNS = `short_form_id, long_form_id, message_id, payload_digest, status, state, prescriber, prescriber_org,
  nominated_pharmacy, dispenser, patient, patient_system, patient_value, controlled, sig_t, valid_from, expires_at,
  signed_bundle, created_at, updated_at, last_dispensed_at, version`;

/** Without the signed bundle: what lists and the tracker need. */
export const SUMMARY_COLUMNS = PRESCRIPTION_COLUMNS.replace('signed_bundle,', "'' AS signed_bundle,");

export function toRecord(row: PrescriptionRow): PrescriptionRecord {
  return {
    shortFormId: row.short_form_id,
    longFormId: row.long_form_id,
    messageId: row.message_id,
    payloadDigest: row.payload_digest,
    status: row.status,
    state: typeof row.state === 'string' ? (JSON.parse(row.state) as PrescriptionState) : row.state,
    prescriber: row.prescriber,
    prescriberOrg: row.prescriber_org,
    nominatedPharmacy: row.nominated_pharmacy ?? undefined,
    dispenser: row.dispenser ?? undefined,
    patient: row.patient ?? undefined,
    patientSystem: row.patient_system,
    patientValue: row.patient_value,
    controlled: row.controlled,
    sigT: new Date(row.sig_t),
    validFrom: new Date(row.valid_from),
    expiresAt: new Date(row.expires_at),
    signedBundle: row.signed_bundle,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    lastDispensedAt: row.last_dispensed_at ? new Date(row.last_dispensed_at) : undefined,
    version: Number(row.version),
  };
}

export type NewPrescription = Omit<
  PrescriptionRecord,
  'createdAt' | 'updatedAt' | 'version' | 'lastDispensedAt' | 'status' | 'dispenser'
>;

export async function findPrescription(
  q: Queryable,
  shortFormId: string,
  options: { forUpdate?: boolean; summary?: boolean } = {},
): Promise<PrescriptionRecord | undefined> {
  const result = await q.query<PrescriptionRow>(
    `SELECT ${options.summary ? SUMMARY_COLUMNS : PRESCRIPTION_COLUMNS} FROM prescription WHERE short_form_id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [shortFormId],
  );
  const row = result.rows[0];
  return row ? toRecord(row) : undefined;
}

/** By long-form ID, for messages that name the prescription only by its UUID. */
export async function findByLongFormId(q: Queryable, longFormId: string): Promise<string | undefined> {
  const result = await q.query<{ short_form_id: string }>(
    'SELECT short_form_id FROM prescription WHERE long_form_id = $1',
    [longFormId.toLowerCase()],
  );
  return result.rows[0]?.short_form_id;
}

/**
 * Writes the state after a transition (the row must be locked by `findPrescription(…, forUpdate)`).
 * `expiresAt` moves the expiry (a new eRD issue); `newIssue` starts the row's dispensing clock again.
 */
export async function saveState(
  tx: Queryable,
  record: Pick<PrescriptionRecord, 'shortFormId' | 'version'>,
  state: PrescriptionState,
  options: { dispensedNow?: boolean; expiresAt?: Date; newIssue?: boolean } = {},
): Promise<void> {
  const result = await tx.query(
    `UPDATE prescription SET status = $2, state = $3::jsonb, dispenser = $4, updated_at = now(),
       last_dispensed_at = CASE WHEN $5 THEN now() WHEN $9 THEN NULL ELSE last_dispensed_at END,
       version = version + 1, next_issue_at = $7, earlier_unclaimed_since = $8,
       expires_at = COALESCE($10, expires_at)
     WHERE short_form_id = $1 AND version = $6`,
    [
      record.shortFormId,
      state.status,
      JSON.stringify(state),
      state.dispenser ?? null,
      options.dispensedNow === true,
      record.version,
      state.repeat?.nextIssueFrom ? new Date(state.repeat.nextIssueFrom) : null,
      earlierUnclaimedSince(state.repeat) ?? null,
      options.newIssue === true,
      options.expiresAt ?? null,
    ],
  );
  if (result.rowCount !== 1) throw new Error(`prescription ${record.shortFormId} changed under a row lock`);
}

/** How many times a change computed from a stale read is computed again before giving up (409). */
export const MAX_CHANGE_ATTEMPTS = 100;

/**
 * Writes the state after a transition and its event in one statement (prescription_change,
 * migration 0022), if the row still has the version the transition was computed from: false when
 * another request changed it first (read again and recompute). The caller's read needs no lock.
 */
export async function changeState(
  q: Queryable,
  record: Pick<PrescriptionRecord, 'shortFormId' | 'version'>,
  state: PrescriptionState,
  event: { type: string; payload: unknown },
  options: { dispensedNow?: boolean } = {},
): Promise<boolean> {
  const parameters = [
    record.shortFormId,
    record.version,
    JSON.stringify(state),
    options.dispensedNow === true,
    randomUUID(),
    event.type,
    JSON.stringify(event.payload),
    EMIT_LOCK_NAMESPACE,
  ];
  if (state.repeat) return changeRepeatState(q, parameters, state);
  const result = await q.query<{ changed: boolean }>(
    'SELECT prescription_change($1, $2, $3::jsonb, $4, $5, $6, $7::jsonb, $8) AS changed',
    parameters,
  );
  return result.rows[0]?.changed === true;
}

/**
 * `changeState` for an eRD: prescription_change's write and event, also keeping the columns the
 * repeat-issue and no-claim jobs find their work by (as `saveState` does), still in one statement.
 */
async function changeRepeatState(
  q: Queryable,
  parameters: unknown[],
  state: PrescriptionState,
): Promise<boolean> {
  const result = await q.query<{ changed: boolean }>(
    `WITH changed AS (
       UPDATE prescription SET status = $3::jsonb->>'status', state = $3::jsonb,
         dispenser = $3::jsonb->>'dispenser', updated_at = now(),
         last_dispensed_at = CASE WHEN $4::boolean THEN now() ELSE last_dispensed_at END,
         version = version + 1, next_issue_at = $9, earlier_unclaimed_since = $10
       WHERE short_form_id = $1 AND version = $2::integer
       RETURNING short_form_id
     )
     SELECT outbox_emit($5::uuid, $6, short_form_id, $7::jsonb, $8::integer) AS changed FROM changed`,
    [
      ...parameters,
      state.repeat?.nextIssueFrom ? new Date(state.repeat.nextIssueFrom) : null,
      earlierUnclaimedSince(state.repeat) ?? null,
    ],
  );
  return result.rows.length === 1;
}

/** Another request kept changing the prescription: the client may retry. */
export function changedMeanwhile(shortFormId: string): Problem {
  return new Problem(
    'CONFLICT',
    `Prescription ${shortFormId} was changed by other requests meanwhile; retry`,
  );
}

export interface PrescriptionQuery {
  shortFormId?: string;
  patient?: string;
  patientIdentifier?: { system?: string; value: string };
  status?: PrescriptionStatus[];
  /** Only prescriptions this organisation prescribed or dispenses. */
  visibleToOrg?: string;
  /** Only this patient's prescriptions (`Patient/<id>`; a patient's own tracker). */
  onlyPatient?: string;
  limit: number;
  offset?: number;
}

/** Summaries (no signed bundle) for the tracker, newest first; every filter uses an index. */
export async function listPrescriptions(
  q: Queryable,
  query: PrescriptionQuery,
): Promise<PrescriptionRecord[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (query.shortFormId !== undefined) where.push(`short_form_id = ${param(query.shortFormId)}`);
  if (query.patient !== undefined) where.push(`patient = ${param(query.patient)}`);
  if (query.patientIdentifier) {
    where.push(`patient_value = ${param(query.patientIdentifier.value)}`);
    if (query.patientIdentifier.system)
      where.push(`patient_system = ${param(query.patientIdentifier.system)}`);
  }
  if (query.status?.length) where.push(`status = ANY(${param(query.status)}::text[])`);
  if (query.onlyPatient !== undefined) where.push(`patient = ${param(query.onlyPatient)}`);
  if (query.visibleToOrg !== undefined) {
    const org = param(query.visibleToOrg);
    where.push(`(prescriber_org = ${org} OR dispenser = ${org})`);
  }
  const result = await q.query<PrescriptionRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM prescription ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY created_at DESC, short_form_id LIMIT ${param(query.limit)} OFFSET ${param(query.offset ?? 0)}`,
    params,
  );
  return result.rows.map(toRecord);
}

export interface StoredMessage {
  shortFormId: string;
  kind: string;
  digest: string;
  response: unknown;
}

export async function findMessage(q: Queryable, messageId: string): Promise<StoredMessage | undefined> {
  const result = await q.query<{ short_form_id: string; kind: string; digest: string; response: unknown }>(
    'SELECT short_form_id, kind, digest, response FROM prescription_message WHERE message_id = $1',
    [messageId],
  );
  const row = result.rows[0];
  return row
    ? { shortFormId: row.short_form_id, kind: row.kind, digest: row.digest, response: row.response }
    : undefined;
}

/**
 * What an order's idempotency check needs, in one query: the message with its id (if any) and
 * the prescription with its short-form ID (if any).
 */
export async function findOrderResend(
  q: Queryable,
  messageId: string,
  shortFormId: string,
): Promise<{
  message: Pick<StoredMessage, 'shortFormId' | 'kind'> | undefined;
  existing: Pick<PrescriptionRecord, 'payloadDigest' | 'patient'> | undefined;
}> {
  const result = await q.query<{
    message_short_form_id: string | null;
    kind: string | null;
    found: boolean;
    payload_digest: string | null;
    patient: string | null;
  }>(
    `SELECT m.short_form_id AS message_short_form_id, m.kind, p.short_form_id IS NOT NULL AS found,
       p.payload_digest, p.patient
     FROM (SELECT 1) AS one
     LEFT JOIN prescription_message m ON m.message_id = $1
     LEFT JOIN prescription p ON p.short_form_id = $2`,
    [messageId, shortFormId],
  );
  const row = result.rows[0]!;
  return {
    message:
      row.message_short_form_id !== null
        ? { shortFormId: row.message_short_form_id, kind: row.kind ?? '' }
        : undefined,
    existing: row.found
      ? { payloadDigest: row.payload_digest ?? '', patient: row.patient ?? undefined }
      : undefined,
  };
}

/** Records an accepted message; false when another request recorded the same id first. */
export async function recordMessage(
  tx: Queryable,
  messageId: string,
  message: StoredMessage,
): Promise<boolean> {
  const result = await tx.query(
    `INSERT INTO prescription_message (message_id, short_form_id, kind, digest, response)
     VALUES ($1, $2, $3, $4, $5::jsonb) ON CONFLICT (message_id) DO NOTHING`,
    [messageId, message.shortFormId, message.kind, message.digest, JSON.stringify(message.response)],
  );
  return result.rowCount === 1;
}
