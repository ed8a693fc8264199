/**
 * Registrations in the database. The caller holds an opaque handle (256-bit random); only its
 * SHA-256 is stored. Contact details, the identifier and any external Patient are sealed to the
 * row with the service key, so a database copy holds no readable personal data.
 */
import { randomUUID } from 'node:crypto';
import type { Patient } from '@medplum/fhirtypes';
import { decryptSecret, encryptSecret, type SecretKey } from '../../platform/crypto/secret-box.js';
import type { Queryable } from '../../platform/database/database.js';
import { randomToken, tokenHash } from '../signin/pkce.js';
import type { PatientIdentifier } from './registration-input.js';
import {
  allows,
  REGISTRATION_TTL_MS,
  type RegistrationState,
  type RegistrationStep,
  stateAfterFailure,
} from './registration-state.js';

/** Stale registrations are deleted this long after they expire, by later sign-ups. */
const RETENTION_MS = 24 * 3600_000;

export interface RegistrationDetails {
  email: string;
  mobile: string;
  identifier: PatientIdentifier;
  /** From an external demographics service: what to store when the account is created. */
  resource?: Patient;
}

export interface Registration {
  id: string;
  state: RegistrationState;
  /** `Patient/<id>` here, when the record already exists in this service. */
  patient?: string;
  details: RegistrationDetails;
  passwordHash: string;
  mfaMethod?: 'totp' | 'sms';
  totpSecretEnc?: string;
  failedCount: number;
  expiresAt: Date;
}

export const registrationSubject = (id: string): string => `registration:${id}`;
export const registrationTotpAad = (id: string): string => `registration:${id}:totp`;
const detailsAad = (id: string): string => `registration:${id}`;

export async function createRegistration(
  q: Queryable,
  secretKey: SecretKey,
  input: { patient?: string; details: RegistrationDetails; passwordHash: string; now: Date },
): Promise<{ id: string; handle: string }> {
  const { now } = input;
  await q.query('DELETE FROM registration WHERE expires_at < $1::timestamptz', [
    new Date(now.getTime() - RETENTION_MS).toISOString(),
  ]);
  const id = randomUUID();
  const handle = randomToken();
  await q.query(
    `INSERT INTO registration (id, handle_hash, state, patient, details_enc, password_hash, expires_at, created_at)
     VALUES ($1, $2, 'verify-contact', $3, $4, $5, $6::timestamptz, $7::timestamptz)`,
    [
      id,
      tokenHash(handle),
      input.patient ?? null,
      encryptSecret(secretKey, JSON.stringify(input.details), detailsAad(id)),
      input.passwordHash,
      new Date(now.getTime() + REGISTRATION_TTL_MS).toISOString(),
      now.toISOString(),
    ],
  );
  return { id, handle };
}

/** The registration a handle names, if it may take `step` now. */
export async function registrationFor(
  q: Queryable,
  secretKey: SecretKey,
  handle: string,
  step: RegistrationStep,
  now: Date,
): Promise<Registration | undefined> {
  const result = await q.query('SELECT * FROM registration WHERE handle_hash = $1', [tokenHash(handle)]);
  const row = result.rows[0];
  if (!row) return undefined;
  const id = String(row.id);
  const registration: Registration = {
    id,
    state: row.state as RegistrationState,
    ...(row.patient ? { patient: String(row.patient) } : {}),
    details: JSON.parse(
      decryptSecret(secretKey, String(row.details_enc), detailsAad(id)).toString('utf8'),
    ) as RegistrationDetails,
    passwordHash: String(row.password_hash),
    ...(row.mfa_method ? { mfaMethod: row.mfa_method as 'totp' | 'sms' } : {}),
    ...(row.totp_secret_enc ? { totpSecretEnc: String(row.totp_secret_enc) } : {}),
    failedCount: Number(row.failed_count),
    expiresAt: new Date(row.expires_at as string),
  };
  return allows(registration, step, now) ? registration : undefined;
}

/** Moves a registration on from `from`; false when a concurrent request moved it first. */
export async function advanceRegistration(
  q: Queryable,
  id: string,
  from: RegistrationState[],
  to: RegistrationState,
  set: { mfaMethod?: 'totp' | 'sms'; totpSecretEnc?: string | null } = {},
): Promise<boolean> {
  const result = await q.query(
    `UPDATE registration SET state = $2,
       mfa_method = COALESCE($4::text, mfa_method),
       totp_secret_enc = CASE WHEN $5::boolean THEN $6::text ELSE totp_secret_enc END
     WHERE id = $1 AND state = ANY($3::text[])`,
    [id, to, from, set.mfaMethod ?? null, 'totpSecretEnc' in set, set.totpSecretEnc ?? null],
  );
  return result.rowCount === 1;
}

/** Counts a wrong code; returns the state it leaves the registration in. */
export async function registrationFailed(q: Queryable, id: string): Promise<RegistrationState> {
  const result = await q.query<{ state: RegistrationState; failed_count: number }>(
    'UPDATE registration SET failed_count = failed_count + 1 WHERE id = $1 RETURNING state, failed_count',
    [id],
  );
  const row = result.rows[0];
  if (!row) return 'failed';
  const next = stateAfterFailure(row.state, Number(row.failed_count));
  if (next === 'failed' && row.state !== 'failed') {
    await q.query(`UPDATE registration SET state = 'failed' WHERE id = $1`, [id]);
  }
  return next;
}

export async function deleteRegistration(q: Queryable, id: string): Promise<void> {
  await q.query('DELETE FROM registration WHERE id = $1', [id]);
}
