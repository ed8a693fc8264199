/**
 * Service desk [service-desk, admin]: look an account up (a summary without any secret) and
 * unlock, suspend or reactivate it. The plugin's scope is protected with the access control the
 * caller passes; each route declares `SERVICE_DESK_POLICY`.
 */
import type { Patient } from '@medplum/fhirtypes';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isValidNhsNumber, NHS_NUMBER_SYSTEM } from '../../nhs/index.js';
import type { AuditInput, AuditTrail } from '../../platform/audit/index.js';
import { type AccessControl, type AccessPolicy, protect } from '../../platform/auth/index.js';
import type { Database, Queryable } from '../../platform/database/database.js';
import { invalid, notFound } from '../../platform/errors/problem.js';
import { readCurrent } from '../../platform/fhir/store/repository.js';
import * as D from '../../platform/http/route-docs.js';
import { patientsWithIdentifier } from '../enrolment/store-demographics.js';
import { accountEntity } from './audit-agent.js';
import { type DeskPatient, deskPatient, nhsNumberOf } from './desk-patient.js';
import { reactivateAccount, suspendAccount, unlockAccount } from './status.js';
import { type Account, findAccounts } from './store.js';

/** Who may use the desk's routes. */
export const SERVICE_DESK_POLICY: AccessPolicy = { roles: ['service-desk', 'admin'] };

export interface ServiceDeskOptions {
  db: Database;
  /** Authenticates the caller and enforces each route's declared policy (this plugin's scope). */
  access: AccessControl;
  audit: Pick<AuditTrail, 'record'>;
  /**
   * Runs in the suspending transaction: the OAuth side revokes the account's refresh tokens here
   * (e.g. `revokeAllForAccount(tx, accountId)`), so a suspended account's tokens die with it.
   */
  onSuspend?: (tx: Queryable, accountId: string) => Promise<void>;
  /**
   * Runs in the unlocking (or reactivating) transaction: the sign-in side forgets the username's
   * failure counts here, so no lock of one address outlives the desk's unlock.
   */
  onUnlock?: (tx: Queryable, account: Account) => Promise<void>;
  /**
   * How many client addresses are locked out of the account's username (the sign-in side's
   * per-address locks, which leave the account itself active): shown so the desk can unlock them.
   */
  lockedAddresses?: (account: Account) => Promise<number>;
  /** After the change has committed (the token side refreshes its revocation list). */
  afterChange?: (action: 'unlock' | 'suspend' | 'reactivate', account: Account) => Promise<void>;
  /** Who is acting, for the audit record; defaults to a non-personal 'service-desk' label. */
  actor?: (request: FastifyRequest) => AuditInput['agent'];
}

/** What the desk sees: never the password hash or the TOTP seed. */
export interface AccountSummary {
  id: string;
  username: string;
  role: string;
  fhirUser: string | null;
  org: string | null;
  status: Account['status'];
  lockedUntil: string | null;
  failedCount: number;
  /** Addresses locked out of this username while the account itself may be active. */
  lockedAddresses: number;
  /** A patient account's record: who the caller should be (name, date of birth, NHS number). */
  patient?: DeskPatient;
}

export function summarise(account: Account, lockedAddresses = 0, patient?: DeskPatient): AccountSummary {
  return {
    id: account.id,
    username: account.username,
    role: account.role,
    fhirUser: account.fhirUser ?? null,
    org: account.org ?? null,
    status: account.status,
    lockedUntil: account.lockedUntil?.toISOString() ?? null,
    failedCount: account.failedCount,
    lockedAddresses,
    ...(patient ? { patient } : {}),
  };
}

const PATIENT_REFERENCE = /^Patient\/([A-Za-z0-9\-.]{1,64})$/;

const ACTIONS = {
  unlock: unlockAccount,
  suspend: suspendAccount,
  reactivate: reactivateAccount,
} as const;

export async function serviceDeskRoutes(app: FastifyInstance, options: ServiceDeskOptions): Promise<void> {
  const { db, audit } = options;
  const actor =
    options.actor ??
    ((request: FastifyRequest): AuditInput['agent'] => ({ display: 'service-desk', ip: request.ip }));
  /** The patient record an account acts for; its demographics are read, so the read is audited. */
  const patientOf = async (account: Account, request: FastifyRequest): Promise<DeskPatient | undefined> => {
    const id = PATIENT_REFERENCE.exec(account.fhirUser ?? '')?.[1];
    if (!id) return undefined;
    const stored = await readCurrent(db, 'Patient', id);
    if (!stored || stored.deleted) return undefined;
    await audit.record({
      action: 'R',
      subtype: 'read',
      outcome: '0',
      agent: actor(request),
      entity: { reference: `Patient/${id}`, type: 'Patient' },
      patient: `Patient/${id}`,
      requestId: request.id,
      detail: 'service desk account look-up: name, date of birth, NHS number',
    });
    return deskPatient(JSON.parse(stored.content) as Patient);
  };
  const withLocks = async (account: Account, request: FastifyRequest) =>
    summarise(
      account,
      options.lockedAddresses ? await options.lockedAddresses(account) : 0,
      await patientOf(account, request),
    );
  protect(app, options.access, { requireDeclaredPolicy: true });
  const desk = { access: SERVICE_DESK_POLICY };

  app.get(
    '/admin/accounts',
    {
      config: desk,
      ...D.documented(
        'service desk',
        'Find an account by username, patient identifier, NHS number or email (a summary, never secrets)',
        {
          bearer: true,
          querystring: D.object({
            username: D.text(),
            identifier: D.text('Patient/<id>'),
            nhsNumber: D.text('NHS number (spaces allowed)'),
          }),
          responses: { 200: D.anyObject('The matching accounts'), 403: D.operationOutcome },
        },
      ),
    },
    async (request) => {
      const query = request.query as Record<string, unknown>;
      const given = (['username', 'identifier', 'nhsNumber'] as const).filter(
        (name) => query[name] !== undefined,
      );
      const [by] = given;
      if (given.length !== 1 || by === undefined || typeof query[by] !== 'string') {
        throw invalid('give exactly one of username, identifier or nhsNumber');
      }
      const value = query[by] as string;
      let accounts: Account[];
      if (by === 'nhsNumber') {
        const nhsNumber = nhsNumberOf(value);
        if (!nhsNumber || !isValidNhsNumber(nhsNumber)) {
          throw invalid('nhsNumber must be an NHS number: 10 digits with a valid check digit', 'nhsNumber');
        }
        const patients = await patientsWithIdentifier(db, { system: NHS_NUMBER_SYSTEM, value: nhsNumber });
        accounts = (
          await Promise.all(
            patients.map((patient) => findAccounts(db, { identifier: `Patient/${patient.id}` })),
          )
        ).flat();
      } else {
        accounts = await findAccounts(db, { [by]: value });
      }
      return { accounts: await Promise.all(accounts.map((account) => withLocks(account, request))) };
    },
  );

  for (const [action, change] of Object.entries(ACTIONS)) {
    app.post(
      `/admin/accounts/:id/${action}`,
      {
        config: desk,
        ...D.documented('service desk', `${action[0]!.toUpperCase()}${action.slice(1)} an account`, {
          bearer: true,
          params: D.object({ id: D.text() }, ['id']),
          responses: { 200: D.anyObject('The account summary'), 404: D.operationOutcome },
        }),
      },
      async (request) => {
        const { id } = request.params as { id: string };
        const account = await db.transaction(async (tx) => {
          const changed = await change(tx, id);
          if (changed && action === 'suspend' && options.onSuspend) await options.onSuspend(tx, changed.id);
          if (changed && action !== 'suspend' && options.onUnlock) await options.onUnlock(tx, changed);
          return changed;
        });
        if (!account) throw notFound(`no account ${id}`);
        await options.afterChange?.(action as keyof typeof ACTIONS, account);
        const summary = await withLocks(account, request);
        await audit.record({
          subtype: 'user-security-attributes-changed',
          outcome: '0',
          agent: actor(request),
          ...accountEntity(account),
          requestId: request.id,
          detail: `${action} account:${account.id}`,
        });
        return summary;
      },
    );
  }
}
