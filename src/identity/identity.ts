/**
 * Identity and access, composed: the secret box, the signing keys, the one token verifier, the
 * access control every protected scope uses, and the sign-in, OAuth, page and service-desk routes.
 */
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { AuditTrail } from '../platform/audit/trail.js';
import {
  type AccessControl,
  type AccessControlDeps,
  agentOfRequest,
  createAccessControl,
} from '../platform/auth/fastify.js';
import { createTokenVerifier, type TokenVerifier } from '../platform/auth/verify.js';
import type { ServiceRegistry } from '../platform/capability.js';
import type { Config } from '../platform/config/config.js';
import {
  decryptSecret,
  encryptSecret,
  loadSecretKey,
  type SecretKey,
} from '../platform/crypto/secret-box.js';
import type { Database, Queryable } from '../platform/database/database.js';
import type { Logger } from '../platform/logging/logger.js';
import { followPatientMerge } from './accounts/patient-merge.js';
import { serviceDeskRoutes } from './accounts/service-desk-routes.js';
import { getAccountForShare } from './accounts/store.js';
import { enrolment, notificationsCodeSender } from './enrolment/index.js';
import { KeyStore } from './oauth/keys.js';
import { revokeAllForAccount } from './oauth/refresh.js';
import { RevokedSessions } from './oauth/revocations.js';
import { oauthRoutes } from './oauth/routes.js';
import { signinPages, signinWebDir } from './pages/signin-pages.js';
import { PORTAL_ACCOUNTS_SERVICE } from './services.js';
import { redeemAuthorizationCode } from './signin/authorization-code.js';
import { clearFailureCounts, lockedAddressCount, usernameKeyer } from './signin/failure-store.js';
import { signinRoutes } from './signin/routes.js';
import { createSelfUnlock } from './signin/self-unlock.js';
import { createSigninService } from './signin/signin-service.js';

export interface Identity {
  secretKey: SecretKey;
  keys: KeyStore;
  verifier: TokenVerifier;
  access: AccessControl;
  /** Revoked sign-in sessions, polled from the database; the verifier refuses their tokens. */
  revocations: RevokedSessions;
  /** Registers /auth, /oauth2, /.well-known, the sign-in page and /admin/accounts. */
  register(app: FastifyInstance): Promise<void>;
}

export function keyCipher(secretKey: SecretKey) {
  return {
    encrypt: (plain: string) => encryptSecret(secretKey, plain, 'oauth-signing-key'),
    decrypt: (sealed: string) => decryptSecret(secretKey, sealed, 'oauth-signing-key').toString('utf8'),
  };
}

export async function createIdentity(deps: {
  db: Database;
  audit: AuditTrail;
  metrics: Registry;
  log: Logger;
  config: Config;
  env?: Record<string, string | undefined>;
  /**
   * The services capabilities provide. They are built after identity, so identity looks the
   * `notifications` service up when it sends a one-time code, never while it is composed.
   */
  services?: ServiceRegistry;
  /** Wraps the verifier (`BuildOptions.wrapTokenVerifier`). */
  wrapVerifier?: (verifier: TokenVerifier) => TokenVerifier;
  /** The declared read rules (`context.resourceRules`): the types open to every patient. */
  reads: AccessControlDeps['reads'];
}): Promise<Identity> {
  const { db, audit, config } = deps;
  const secretKey = loadSecretKey({ dataDir: config.dataDir, env: deps.env ?? process.env });
  const keys = new KeyStore({ db, cipher: keyCipher(secretKey) });
  await keys.ensureActiveKey();
  const revocations = new RevokedSessions(db, { log: deps.log });
  // The hospital feed's merges (HAZ-MERGE) sign the retired record's portal sessions out.
  deps.services?.provide(PORTAL_ACCOUNTS_SERVICE, {
    followMerge: async (tx: Queryable, merge: { retired: string; survivor: string }) => {
      await followPatientMerge(tx, merge);
    },
  });
  const ownVerifier = createTokenVerifier({
    issuer: config.publicUrl,
    audience: `${config.publicUrl}/fhir/R4`,
    localJwks: () => keys.publicJwks(),
    trustedIssuers: config.trustedIssuers,
    log: deps.log,
    // Only Pathways' own tokens carry a session; another issuer's revocations are its own.
    isRevoked: (principal) =>
      principal.sessionId !== undefined &&
      principal.issuer === config.publicUrl &&
      revocations.has(principal.sessionId),
  });
  const verifier = deps.wrapVerifier ? deps.wrapVerifier(ownVerifier) : ownVerifier;
  const access = createAccessControl({
    verifier,
    audit,
    metrics: deps.metrics,
    stepUpMaxAgeS: config.stepUpMaxAgeS,
    reads: deps.reads,
  });
  return {
    secretKey,
    keys,
    verifier,
    access,
    revocations,
    async register(app) {
      await revocations.start();
      app.addHook('onClose', () => revocations.stop());
      const afterRevocation = () => revocations.refresh();
      const keyOf = usernameKeyer(secretKey);
      const sendCode = notificationsCodeSender(() => deps.services);
      const service = createSigninService({ db, audit, secretKey, sendCode, afterRevocation });
      const unlock = createSelfUnlock({ db, audit, secretKey, sendCode });
      await app.register(signinRoutes, { db, audit, secretKey, service, unlock });
      await app.register(enrolment, { db, audit, secretKey, env: deps.env ?? process.env, sendCode });
      await app.register(oauthRoutes, {
        db,
        config: { publicUrl: config.publicUrl },
        audit,
        keys,
        directory: { getAccount: getAccountForShare, redeemCode: redeemAuthorizationCode },
        afterRevocation,
      });
      await app.register(signinPages, {
        publicUrl: config.publicUrl,
        webDir: signinWebDir(deps.env ?? process.env),
      });
      await app.register(serviceDeskRoutes, {
        db,
        audit,
        access,
        onSuspend: async (tx, accountId) => {
          await revokeAllForAccount(tx, accountId);
        },
        onUnlock: (tx, account) => clearFailureCounts(tx, keyOf(account.username)),
        lockedAddresses: (account) => lockedAddressCount(db, keyOf(account.username), new Date()),
        afterChange: async (action) => {
          if (action === 'suspend') await afterRevocation();
        },
        actor: agentOfRequest,
      });
    },
  };
}
