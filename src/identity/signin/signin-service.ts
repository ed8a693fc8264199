/**
 * The two steps of signing in, shared by the JSON endpoints (routes.ts) and the browser sign-in
 * page: the password (then a single-use login handle, 5 minutes) and the TOTP code (then an
 * authorization code). Every refusal looks the same to the caller whatever its cause (unknown
 * user, wrong password, suspended account); the audit record says which it was.
 */
import type { AuditInput, AuditTrail } from '../../platform/audit/index.js';
import { decryptSecret, type SecretKey } from '../../platform/crypto/secret-box.js';
import type { Database } from '../../platform/database/database.js';
import { Problem } from '../../platform/errors/problem.js';
import { accountAgent } from '../accounts/audit-agent.js';
import { verifyAgainstDummy, verifyPassword } from '../accounts/password.js';
import { type AccountCredentials, credentialsByUsername, totpAad } from '../accounts/store.js';
import { matchTotp } from '../accounts/totp.js';
import { recordFailure } from './failures.js';
import { currentLock } from './lockout.js';
import { consumeLogin, createLogin, findLogin } from './login-session.js';
import { SlidingWindowLimiter } from './rate-limit.js';

export interface SigninLimits {
  loginPerIpPerMinute: number;
  loginPerUsernamePerMinute: number;
  mfaPerIpPerMinute: number;
}

/** Per-IP limits stay generous enough for a surgery or ward behind one NAT address. */
export const DEFAULT_SIGNIN_LIMITS: SigninLimits = {
  loginPerIpPerMinute: 20,
  loginPerUsernamePerMinute: 10,
  mfaPerIpPerMinute: 20,
};

export interface SigninDeps {
  db: Database;
  audit: Pick<AuditTrail, 'record'>;
  secretKey: SecretKey;
  /** Injectable clock (tests). */
  now?: () => Date;
  limits?: Partial<SigninLimits>;
}

export interface Attempt {
  ip?: string | undefined;
  requestId?: string | undefined;
}

export interface PasswordInput extends Attempt {
  username: string;
  password: string;
  codeChallenge: string;
  clientId?: string | undefined;
  redirectUri?: string | undefined;
}

export interface OtpInput extends Attempt {
  login: string;
  otp: string;
}

export const wrongCredentials = (): Problem =>
  new Problem('UNAUTHORIZED', 'The username or password is not right');
export const wrongCode = (): Problem =>
  new Problem('UNAUTHORIZED', 'The security code is not right, or the sign-in has expired; sign in again');

export type SigninService = ReturnType<typeof createSigninService>;

export function createSigninService(deps: SigninDeps) {
  const { db, audit, secretKey } = deps;
  const now = deps.now ?? (() => new Date());
  const limits = { ...DEFAULT_SIGNIN_LIMITS, ...deps.limits };
  const perIp = new SlidingWindowLimiter(limits.loginPerIpPerMinute);
  const perUsername = new SlidingWindowLimiter(limits.loginPerUsernamePerMinute);
  const mfaPerIp = new SlidingWindowLimiter(limits.mfaPerIpPerMinute);

  const limit = (limiter: SlidingWindowLimiter, key: string): void => {
    const verdict = limiter.hit(key, now().getTime());
    if (!verdict.allowed) {
      throw new Problem('RATE_LIMITED', 'Too many sign-in attempts; wait and try again', {
        headers: { 'retry-after': String(verdict.retryAfterS) },
      });
    }
  };

  const record = (attempt: Attempt, outcome: '0' | '4', agent: AuditInput['agent'], detail: string) =>
    audit.record({
      subtype: 'login',
      outcome,
      agent: { ...agent, ...(attempt.ip ? { ip: attempt.ip } : {}) },
      ...(attempt.requestId ? { requestId: attempt.requestId } : {}),
      detail,
    });

  /** 423 for a locked account (after auditing the refused attempt), else nothing. */
  const refuseIfLocked = async (account: AccountCredentials, attempt: Attempt): Promise<void> => {
    const lock = currentLock(account, now());
    if (!lock.locked) return;
    await record(attempt, '4', accountAgent(account), 'refused: account locked');
    if (lock.permanent) {
      throw new Problem(
        'ACCOUNT_LOCKED',
        'The account is locked after repeated failed sign-ins; contact the service desk to unlock it',
      );
    }
    throw new Problem(
      'ACCOUNT_LOCKED',
      `The account is locked after repeated failed sign-ins; try again in ${Math.ceil(lock.retryAfterS / 60)} minutes`,
      { headers: { 'retry-after': String(lock.retryAfterS) } },
    );
  };

  const fail = async (account: AccountCredentials, attempt: Attempt, what: string, error: Problem) => {
    await recordFailure({ db, audit, now: now() }, account, attempt, what);
    throw error;
  };

  return {
    /** Password step: a login handle for the code step, or 401 / 423 / 429. */
    async login(input: PasswordInput): Promise<{ login: string }> {
      limit(perIp, `ip:${input.ip ?? 'unknown'}`);
      limit(perUsername, `user:${input.username.toLowerCase()}`);
      const account = await credentialsByUsername(db, input.username);
      if (!account) {
        await verifyAgainstDummy(input.password);
        await record(input, '4', { display: 'unauthenticated' }, 'refused: unknown username');
        throw wrongCredentials();
      }
      await refuseIfLocked(account, input);
      const passwordOk = await verifyPassword(account.passwordHash, input.password);
      if (account.status === 'suspended') {
        await record(input, '4', accountAgent(account), 'refused: account suspended');
        throw wrongCredentials();
      }
      if (!passwordOk) return fail(account, input, 'wrong password', wrongCredentials());
      const login = await createLogin(db, {
        accountId: account.id,
        codeChallenge: input.codeChallenge,
        clientId: input.clientId,
        redirectUri: input.redirectUri,
        now: now(),
      });
      return { login };
    },

    /** Code step: an authorization code (amr pwd+otp) bound to the login's PKCE challenge. */
    async mfa(input: OtpInput): Promise<{ code: string }> {
      limit(mfaPerIp, `ip:${input.ip ?? 'unknown'}`);
      const at = now();
      const session = await findLogin(db, input.login, at);
      if (!session) {
        await record(input, '4', { display: 'unauthenticated' }, 'refused: unknown, used or expired login');
        throw wrongCode();
      }
      const account = session.account;
      await refuseIfLocked(account, input);
      if (account.status === 'suspended') {
        await record(input, '4', accountAgent(account), 'refused: account suspended');
        throw wrongCode();
      }
      const seed = decryptSecret(secretKey, account.totpSecretEnc, totpAad(account.id)).toString('utf8');
      const step = matchTotp(seed, input.otp, at);
      if (step === undefined) return fail(account, input, 'wrong code', wrongCode());
      const outcome = await consumeLogin(db, session, step, at);
      if (outcome.kind === 'replayed') return fail(account, input, 'code already used', wrongCode());
      if (outcome.kind === 'gone') {
        await record(input, '4', accountAgent(account), 'refused: login already used');
        throw wrongCode();
      }
      await record(input, '0', accountAgent(account), 'signed in (pwd, otp)');
      return { code: outcome.code };
    },
  };
}
