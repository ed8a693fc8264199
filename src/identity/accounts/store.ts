/**
 * Accounts in the database. Reads used by the API and the service desk return `Account`, which
 * has no hash or secret; only the sign-in code asks for `AccountCredentials`.
 */
import { randomUUID } from 'node:crypto';
import type { Role } from '../../platform/auth/principal.js';
import { encryptSecret, type SecretKey } from '../../platform/crypto/secret-box.js';
import type { Queryable } from '../../platform/database/database.js';
import { invalid, Problem } from '../../platform/errors/problem.js';
import { generatePassword, hashPassword } from './password.js';
import { generateTotpSecret } from './totp.js';
import {
  checkFhirUser,
  checkOds,
  checkPassword,
  checkRole,
  checkRoleMatchesFhirUser,
  checkUsername,
} from './validation.js';

export type AccountStatus = 'active' | 'suspended' | 'locked';

export interface Account {
  id: string;
  username: string;
  role: Role;
  fhirUser?: string;
  org?: string;
  status: AccountStatus;
  failedCount: number;
  lockedUntil?: Date;
  createdAt: Date;
  updatedAt: Date;
}

export type MfaMethod = 'totp' | 'sms';

export interface AccountCredentials extends Account {
  passwordHash: string;
  totpSecretEnc: string;
  /** `sms` accounts prove the second factor with a texted code to the sealed `mobileEnc`. */
  mfaMethod: MfaMethod;
  mobileEnc?: string;
  /** The username is an email address the holder proved at enrolment (an unlock channel). */
  emailVerified: boolean;
}

export interface NewAccount {
  username: string;
  role: string;
  password?: string;
  fhirUser?: string;
  org?: string;
  secretKey: SecretKey;
}

/** What enrolment shows once: the password (given or generated) and the TOTP seed. */
export interface CreatedAccount {
  id: string;
  username: string;
  password: string;
  role: Role;
  totpSecret: string;
}

/** Associated data sealing a TOTP seed to its account row. */
export const totpAad = (accountId: string): string => `account:${accountId}:totp`;
/** Associated data sealing the verified mobile number to its account row. */
export const mobileAad = (accountId: string): string => `account:${accountId}:mobile`;

export async function createAccount(db: Queryable, input: NewAccount): Promise<CreatedAccount> {
  const username = checkUsername(input.username);
  const role = checkRole(input.role);
  const fhirUser = input.fhirUser === undefined ? undefined : checkFhirUser(input.fhirUser);
  checkRoleMatchesFhirUser(role, fhirUser);
  const org = input.org === undefined ? undefined : checkOds(input.org);
  const password = input.password === undefined ? generatePassword() : checkPassword(input.password);
  const id = randomUUID();
  const totpSecret = generateTotpSecret();
  const passwordHash = await hashPassword(password);
  const result = await db.query(
    `INSERT INTO account (id, username, password_hash, totp_secret_enc, role, fhir_user, org)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT DO NOTHING`,
    [
      id,
      username,
      passwordHash,
      encryptSecret(input.secretKey, totpSecret, totpAad(id)),
      role,
      fhirUser ?? null,
      org ?? null,
    ],
  );
  if (result.rowCount === 0) throw new Problem('CONFLICT', 'an account with this username already exists');
  return { id, username, password, role, totpSecret };
}

const COLUMNS =
  'id, username, role, fhir_user, org, status, failed_count, locked_until, created_at, updated_at';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isAccountId = (value: string): boolean => UUID.test(value);

export async function getAccount(db: Queryable, id: string): Promise<Account | undefined> {
  if (!isAccountId(id)) return undefined;
  const result = await db.query(`SELECT ${COLUMNS} FROM account WHERE id = $1`, [id]);
  return result.rows[0] ? toAccount(result.rows[0]) : undefined;
}

/**
 * The account, with a share lock on its row until the caller's transaction ends: a concurrent
 * status change (suspension, lockout) waits for it, and then sees what it wrote.
 */
export async function getAccountForShare(tx: Queryable, id: string): Promise<Account | undefined> {
  if (!isAccountId(id)) return undefined;
  const result = await tx.query(`SELECT ${COLUMNS} FROM account WHERE id = $1 FOR SHARE`, [id]);
  return result.rows[0] ? toAccount(result.rows[0]) : undefined;
}

/**
 * By username (any case), or by identifier: the account id or the linked `fhirUser`
 * (`Practitioner/…`, `Patient/…`). A fhirUser may be linked to more than one account.
 */
export async function findAccounts(
  db: Queryable,
  query: { username?: string; identifier?: string },
): Promise<Account[]> {
  if (query.username !== undefined) {
    const result = await db.query(`SELECT ${COLUMNS} FROM account WHERE lower(username) = lower($1)`, [
      query.username,
    ]);
    return result.rows.map(toAccount);
  }
  if (query.identifier !== undefined) {
    const identifier = query.identifier;
    const byId = isAccountId(identifier);
    const result = await db.query(
      `SELECT ${COLUMNS} FROM account WHERE ${byId ? 'id = $1::uuid' : 'fhir_user = $1'} ORDER BY created_at`,
      [identifier],
    );
    return result.rows.map(toAccount);
  }
  throw invalid('give username or identifier');
}

export async function findAccount(
  db: Queryable,
  query: { username?: string; identifier?: string },
): Promise<Account | undefined> {
  return (await findAccounts(db, query))[0];
}

const SECRETS = 'password_hash, totp_secret_enc, mfa_method, mobile_enc, email_verified';

export async function credentialsByUsername(
  db: Queryable,
  username: string,
): Promise<AccountCredentials | undefined> {
  const result = await db.query(
    `SELECT ${COLUMNS}, ${SECRETS} FROM account WHERE lower(username) = lower($1)`,
    [username],
  );
  return result.rows[0] ? toCredentials(result.rows[0]) : undefined;
}

export async function credentialsById(db: Queryable, id: string): Promise<AccountCredentials | undefined> {
  const result = await db.query(`SELECT ${COLUMNS}, ${SECRETS} FROM account WHERE id = $1`, [id]);
  return result.rows[0] ? toCredentials(result.rows[0]) : undefined;
}

/** Whether any account acts as this `Patient/<id>` (or `Practitioner/<id>`). */
export async function isLinked(db: Queryable, fhirUser: string): Promise<boolean> {
  const result = await db.query('SELECT 1 FROM account WHERE fhir_user = $1 LIMIT 1', [fhirUser]);
  return result.rowCount > 0;
}

export interface NewPatientAccount {
  /** Already checked (enrolment's email rule) and lower-cased. */
  username: string;
  fhirUser: string;
  /** argon2id, computed when the password was given. */
  passwordHash: string;
  mfaMethod: MfaMethod;
  /** The confirmed seed (totp); an sms account gets a random one that is never shown. */
  totpSecret?: string;
  /** +447…, required for sms. */
  mobile?: string;
  secretKey: SecretKey;
}

/**
 * A self-enrolled patient account, whose username is the email address enrolment verified. Returns
 * its id, or undefined when the username is taken.
 * The caller has made sure no other account is linked to the patient (in the same transaction).
 */
export async function createPatientAccount(
  db: Queryable,
  input: NewPatientAccount,
): Promise<string | undefined> {
  checkRoleMatchesFhirUser('patient', checkFhirUser(input.fhirUser));
  if (input.mfaMethod === 'sms' && !input.mobile) throw new TypeError('an sms account needs its mobile');
  const id = randomUUID();
  const seed = input.mfaMethod === 'totp' && input.totpSecret ? input.totpSecret : generateTotpSecret();
  const result = await db.query(
    `INSERT INTO account (id, username, password_hash, totp_secret_enc, role, fhir_user, mfa_method, mobile_enc, email_verified)
     VALUES ($1, $2, $3, $4, 'patient', $5, $6, $7, true)
     ON CONFLICT DO NOTHING`,
    [
      id,
      input.username,
      input.passwordHash,
      encryptSecret(input.secretKey, seed, totpAad(id)),
      input.fhirUser,
      input.mfaMethod,
      input.mobile ? encryptSecret(input.secretKey, input.mobile, mobileAad(id)) : null,
    ],
  );
  return result.rowCount === 1 ? id : undefined;
}

type Row = Record<string, unknown>;

export function toAccount(row: Row): Account {
  return {
    id: String(row.id),
    username: String(row.username),
    role: row.role as Role,
    ...(row.fhir_user ? { fhirUser: String(row.fhir_user) } : {}),
    ...(row.org ? { org: String(row.org) } : {}),
    status: row.status as AccountStatus,
    failedCount: Number(row.failed_count),
    ...(row.locked_until ? { lockedUntil: new Date(row.locked_until as string) } : {}),
    createdAt: new Date(row.created_at as string),
    updatedAt: new Date(row.updated_at as string),
  };
}

function toCredentials(row: Row): AccountCredentials {
  return {
    ...toAccount(row),
    passwordHash: String(row.password_hash),
    totpSecretEnc: String(row.totp_secret_enc),
    mfaMethod: row.mfa_method === 'sms' ? 'sms' : 'totp',
    ...(row.mobile_enc ? { mobileEnc: String(row.mobile_enc) } : {}),
    emailVerified: row.email_verified === true,
  };
}
