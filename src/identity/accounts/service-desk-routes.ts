/**
 * Service desk [service-desk, admin]: look an account up (a summary without any secret) and
 * unlock, suspend or reactivate it. Authorisation is the caller's: it passes `preHandler`, which
 * this plugin applies to every route it registers (and only to those).
 */
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { AuditInput, AuditTrail } from '../../platform/audit/index.js';
import type { Database, Queryable } from '../../platform/database/database.js';
import { invalid, notFound } from '../../platform/errors/problem.js';
import * as D from '../../platform/http/route-docs.js';
import { accountEntity } from './audit-agent.js';
import { reactivateAccount, suspendAccount, unlockAccount } from './status.js';
import { type Account, findAccounts } from './store.js';

export interface ServiceDeskOptions {
  db: Database;
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
  /** Authorisation (role service-desk or admin), applied to every route of this plugin. */
  preHandler?: preHandlerAsyncHookHandler | preHandlerAsyncHookHandler[];
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
}

export function summarise(account: Account, lockedAddresses = 0): AccountSummary {
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
  };
}

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
  const preHandler = options.preHandler;
  const withLocks = async (account: Account) =>
    summarise(account, options.lockedAddresses ? await options.lockedAddresses(account) : 0);
  if (preHandler) {
    for (const handler of Array.isArray(preHandler) ? preHandler : [preHandler]) {
      app.addHook('preHandler', handler);
    }
  }

  app.get(
    '/admin/accounts',
    D.documented(
      'service desk',
      'Find an account by username or patient identifier (a summary, never secrets)',
      {
        bearer: true,
        querystring: D.object({ username: D.text(), identifier: D.text('NHS or CHI number') }),
        responses: { 200: D.anyObject('The matching accounts'), 403: D.operationOutcome },
      },
    ),
    async (request) => {
      const query = request.query as Record<string, unknown>;
      const username = typeof query.username === 'string' ? query.username : undefined;
      const identifier = typeof query.identifier === 'string' ? query.identifier : undefined;
      if ((username === undefined) === (identifier === undefined)) {
        throw invalid('give exactly one of username or identifier');
      }
      const accounts = await findAccounts(db, username !== undefined ? { username } : { identifier });
      return { accounts: await Promise.all(accounts.map(withLocks)) };
    },
  );

  for (const [action, change] of Object.entries(ACTIONS)) {
    app.post(
      `/admin/accounts/:id/${action}`,
      D.documented('service desk', `${action[0]!.toUpperCase()}${action.slice(1)} an account`, {
        bearer: true,
        params: D.object({ id: D.text() }, ['id']),
        responses: { 200: D.anyObject('The account summary'), 404: D.operationOutcome },
      }),
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
        await audit.record({
          subtype: 'user-security-attributes-changed',
          outcome: '0',
          agent: actor(request),
          ...accountEntity(account),
          requestId: request.id,
          detail: `${action} account:${account.id}`,
        });
        return withLocks(account);
      },
    );
  }
}
