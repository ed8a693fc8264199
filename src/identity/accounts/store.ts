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

export interface AccountCredentials extends Account {
  passwordHash: string;
  totpSecretEnc: string;
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

export async function credentialsByUsername(
  db: Queryable,
  username: string,
): Promise<AccountCredentials | undefined> {
  const result = await db.query(
    `SELECT ${COLUMNS}, password_hash, totp_secret_enc FROM account WHERE lower(username) = lower($1)`,
    [username],
  );
  return result.rows[0] ? toCredentials(result.rows[0]) : undefined;
}

export async function credentialsById(db: Queryable, id: string): Promise<AccountCredentials | undefined> {
  const result = await db.query(
    `SELECT ${COLUMNS}, password_hash, totp_secret_enc FROM account WHERE id = $1`,
    [id],
  );
  return result.rows[0] ? toCredentials(result.rows[0]) : undefined;
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
  };
}
