/** A small app with the sign-in and service-desk plugins on a fresh database (tests only). */
import { randomBytes, randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { serviceDeskRoutes } from '../../../src/identity/accounts/service-desk-routes.js';
import { createAccount } from '../../../src/identity/accounts/store.js';
import { currentTotp } from '../../../src/identity/accounts/totp.js';
import {
  clearFailureCounts,
  lockedAddressCount,
  usernameKeyer,
} from '../../../src/identity/signin/failure-store.js';
import { randomToken, s256 } from '../../../src/identity/signin/pkce.js';
import { signinRoutes } from '../../../src/identity/signin/routes.js';
import type { SigninLimits } from '../../../src/identity/signin/signin-service.js';
import type { AuditTrail } from '../../../src/platform/audit/trail.js';
import { createAccessControl } from '../../../src/platform/auth/fastify.js';
import { invalidToken, isRole, type Principal } from '../../../src/platform/auth/index.js';
import type { Database } from '../../../src/platform/database/database.js';
import { ResourceRules } from '../../../src/platform/fhir/resource-rules.js';
import { registerErrorHandling } from '../../../src/platform/http/errors.js';
import { registerJsonParsers } from '../../../src/platform/http/fhir-json.js';
import { newTrail } from '../platform/audit.js';

export interface Harness {
  app: FastifyInstance;
  audit: AuditTrail;
  secretKey: Buffer;
  clock: { now: Date };
  suspended: string[];
  advance(ms: number): void;
  close(): Promise<void>;
}

export async function buildHarness(db: Database, limits: Partial<SigninLimits> = {}): Promise<Harness> {
  const secretKey = randomBytes(32);
  const { trail } = newTrail(db);
  const clock = { now: new Date() };
  const suspended: string[] = [];
  const app = Fastify();
  registerErrorHandling(app);
  registerJsonParsers(app);
  const big = { loginPerIpPerMinute: 10_000, loginPerUsernamePerMinute: 10_000, mfaPerIpPerMinute: 10_000 };
  await app.register(signinRoutes, {
    db,
    audit: trail,
    secretKey,
    now: () => clock.now,
    limits: { ...big, ...limits },
  });
  await app.register(serviceDeskRoutes, {
    db,
    audit: trail,
    onSuspend: async (tx, accountId) => {
      await tx.query('SELECT 1');
      suspended.push(accountId);
    },
    // As identity.ts composes it: the desk's unlock forgets every failure count of the username.
    onUnlock: (tx, account) => clearFailureCounts(tx, usernameKeyer(secretKey)(account.username)),
    lockedAddresses: (account) =>
      lockedAddressCount(db, usernameKeyer(secretKey)(account.username), clock.now),
    // The real access control; the "token" is the role it carries (`Bearer service-desk`).
    access: createAccessControl({
      verifier: { verify: async (token) => roleToken(token) },
      audit: trail,
      metrics: new Registry(),
      stepUpMaxAgeS: 900,
      reads: new ResourceRules(),
    }),
  });
  await app.ready();
  return {
    app,
    audit: trail,
    secretKey,
    clock,
    suspended,
    advance: (ms) => {
      clock.now = new Date(clock.now.getTime() + ms);
    },
    close: async () => {
      await app.close();
      await trail.close();
    },
  };
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomToken();
  return { verifier, challenge: s256(verifier) };
}

export async function enrol(h: Harness, db: Database, username: string, extra: { fhirUser?: string } = {}) {
  const fhirUser = extra.fhirUser ?? `Practitioner/${randomUUID()}`;
  const created = await createAccount(db, {
    username,
    role: 'prescriber',
    org: 'A83010',
    fhirUser,
    secretKey: h.secretKey,
  });
  return { ...created, fhirUser };
}

export function login(
  h: Harness,
  username: string,
  password: string,
  challenge = pkcePair().challenge,
  ip = '127.0.0.1',
) {
  return h.app.inject({
    method: 'POST',
    url: '/auth/login',
    payload: { username, password, codeChallenge: challenge, codeChallengeMethod: 'S256' },
    remoteAddress: ip,
  });
}

/** A wrong password for `username` from `ip`. */
export const wrongPassword = (h: Harness, username: string, ip: string) =>
  login(h, username, 'wrong-password', undefined, ip);

export function mfa(h: Harness, handle: string, otp: string, ip = '127.0.0.1') {
  return h.app.inject({
    method: 'POST',
    url: '/auth/mfa',
    payload: { login: handle, otp },
    remoteAddress: ip,
  });
}

export const otpNow = (h: Harness, secret: string): string => currentTotp(secret, h.clock.now);

/** A wrong code for now (the current one with its last digit changed). */
export function wrongOtp(h: Harness, secret: string): string {
  const right = otpNow(h, secret);
  return right.slice(0, 5) + String((Number(right[5]) + 1) % 10);
}

/** A caller of the harness's protected routes with one role (the bearer token names it). */
function roleToken(token: string): Principal {
  if (!isRole(token)) throw invalidToken('not a role');
  return { subject: `${token}-1`, issuer: 'test', roles: [token], scopes: [], amr: ['pwd', 'otp'] };
}

export function desk(h: Harness, method: 'GET' | 'POST', url: string, role = 'service-desk') {
  return h.app.inject({ method, url, headers: { authorization: `Bearer ${role}` } });
}
