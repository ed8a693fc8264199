/**
 * The two steps of signing in, shared by the JSON endpoints (routes.ts) and the browser sign-in
 * page: the password (then a single-use login handle, 5 minutes) and the one-time code (then an
 * authorization code). The code is the TOTP code, or for an `sms` account the code texted to its
 * verified mobile on request (`sendSmsCode`); failed codes of either kind count towards lockout.
 * Every refusal looks the same to the caller whatever its cause (unknown user, wrong password,
 * suspended account); the audit record says which it was.
 */
import type { AuditInput, AuditTrail } from '../../platform/audit/index.js';
import { decryptSecret, type SecretKey } from '../../platform/crypto/secret-box.js';
import type { Database } from '../../platform/database/database.js';
import { Problem } from '../../platform/errors/problem.js';
import { accountAgent } from '../accounts/audit-agent.js';
import { verifyAgainstDummy, verifyPassword } from '../accounts/password.js';
import {
  type AccountCredentials,
  credentialsByUsername,
  type MfaMethod,
  mobileAad,
  totpAad,
} from '../accounts/store.js';
import { matchTotp } from '../accounts/totp.js';
import { CODE_TTL_MS, type CodeVerdict, deriveCodeKey } from '../enrolment/code-rules.js';
import { CodeNotSent, type CodeSender, codeNotSentProblem } from '../enrolment/code-sender.js';
import { attemptCode, issueCode } from '../enrolment/one-time-codes.js';
import { sourceOf } from '../oauth/source-address.js';
import {
  clearFailureCounts,
  countLock,
  failureCounts,
  pruneFailureCounts,
  usernameKeyer,
} from './failure-store.js';
import { recordFailure } from './failures.js';
import { currentLock, type Lock, strongestLock } from './lockout.js';
import {
  consumeLogin,
  createLogin,
  extendLogin,
  findLogin,
  type SecondFactor,
  smsCodeRef,
} from './login-session.js';
import { SlidingWindowLimiter } from './rate-limit.js';

export interface SigninLimits {
  loginPerIpPerMinute: number;
  loginPerUsernamePerMinute: number;
  mfaPerIpPerMinute: number;
  /** SMS codes one sign-in may ask for. */
  smsPerLogin: number;
}

/** Per-IP limits stay generous enough for a surgery or ward behind one NAT address. */
export const DEFAULT_SIGNIN_LIMITS: SigninLimits = {
  loginPerIpPerMinute: 20,
  loginPerUsernamePerMinute: 10,
  mfaPerIpPerMinute: 20,
  smsPerLogin: 3,
};

export interface SigninDeps {
  db: Database;
  audit: Pick<AuditTrail, 'record'>;
  secretKey: SecretKey;
  /** Sends SMS sign-in codes (the notifications service); without it they cannot be sent (503). */
  sendCode?: CodeSender;
  /** Injectable clock (tests). */
  now?: () => Date;
  limits?: Partial<SigninLimits>;
  /**
   * Called after a lock revoked refresh families (committed), so this replica's revocation list
   * catches up at once rather than at its next poll.
   */
  afterRevocation?: () => Promise<void>;
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
  /** The scope the app asked for (SMART App Launch); the token endpoint grants what fits. */
  scope?: string | undefined;
}

export interface OtpInput extends Attempt {
  login: string;
  otp: string;
}

export const wrongCredentials = (): Problem =>
  new Problem('UNAUTHORIZED', 'The username or password is not right');
export const wrongCode = (): Problem =>
  new Problem('UNAUTHORIZED', 'The security code is not right, or the sign-in has expired; sign in again');
/**
 * A code that matched but was used moments ago (signing in twice within 30 s): the person holds
 * the right device, so tell them to wait for the next code instead of that the code is wrong.
 */
const codeAlreadyUsed = (factor: SecondFactor) =>
  new Problem(
    'CODE_ALREADY_USED',
    factor.kind === 'totp'
      ? 'This security code has just been used. Wait for the next code from your authenticator app (a new one every 30 seconds) and enter that'
      : 'This security code has already been used. Ask for a new code',
  );

const SMS_REFUSAL: Record<Exclude<CodeVerdict, 'ok'>, string> = {
  wrong: 'wrong code',
  none: 'no text message code was sent',
  expired: 'text message code expired',
  used: 'text message code already used',
  exhausted: 'text message code has no tries left',
};

/** Forgotten and surplus failure counts are swept at most this often, by the failing request. */
const PRUNE_INTERVAL_MS = 60_000;

const unsent: CodeSender = async (message) => {
  throw new CodeNotSent('temporary', message.channel);
};

export type SigninService = ReturnType<typeof createSigninService>;

export function createSigninService(deps: SigninDeps) {
  const { db, audit, secretKey } = deps;
  const sendCode = deps.sendCode ?? unsent;
  const codeKey = deriveCodeKey(secretKey);
  const now = deps.now ?? (() => new Date());
  const limits = { ...DEFAULT_SIGNIN_LIMITS, ...deps.limits };
  const perIp = new SlidingWindowLimiter(limits.loginPerIpPerMinute);
  const perUsername = new SlidingWindowLimiter(limits.loginPerUsernamePerMinute);
  const mfaPerIp = new SlidingWindowLimiter(limits.mfaPerIpPerMinute);
  const keyOf = usernameKeyer(secretKey);
  let prunedAtMs = Number.NEGATIVE_INFINITY;

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

  /**
   * 423 for a lock (after auditing the refused attempt), else nothing. The answer depends only on
   * the lock, never on whether the username has an account.
   */
  const refuseIfLocked = async (
    lock: Lock,
    account: AccountCredentials | undefined,
    attempt: Attempt,
  ): Promise<void> => {
    if (!lock.locked) return;
    await record(
      attempt,
      '4',
      account ? accountAgent(account) : { display: 'unauthenticated' },
      account ? 'refused: account locked' : 'refused: unknown username, locked',
    );
    if (lock.permanent) {
      throw new Problem(
        'ACCOUNT_LOCKED',
        'The account is locked after repeated failed sign-ins; unlock it with a code sent to you, or contact the service desk',
      );
    }
    throw new Problem(
      'ACCOUNT_LOCKED',
      `The account is locked after repeated failed sign-ins; try again in ${Math.ceil(lock.retryAfterS / 60)} minutes`,
      { headers: { 'retry-after': String(lock.retryAfterS) } },
    );
  };

  /** The lock a password attempt meets: the username's, this address's, and the account's own. */
  const lockFor = async (username: string, source: string, account: AccountCredentials | undefined) => {
    const at = now();
    const counts = await failureCounts(db, keyOf(username), source);
    return strongestLock([
      countLock(counts.all, at),
      countLock(counts.here, at),
      account ? currentLock(account, at) : { locked: false },
    ]);
  };

  const prune = async (at: Date): Promise<void> => {
    if (at.getTime() - prunedAtMs < PRUNE_INTERVAL_MS) return;
    prunedAtMs = at.getTime();
    await pruneFailureCounts(db, at).catch(() => {
      // Sweeping is housekeeping: the next failure a minute on tries again.
      prunedAtMs = Number.NEGATIVE_INFINITY;
    });
  };

  const fail = async (
    failure: { username: string; account?: AccountCredentials | undefined; source?: string | undefined },
    attempt: Attempt,
    what: string,
    error: Problem,
  ): Promise<never> => {
    const at = now();
    await recordFailure(
      { db, audit, now: at, keyOf, afterRevocation: deps.afterRevocation },
      { ...failure, ip: attempt.ip, requestId: attempt.requestId },
      what,
    );
    await prune(at);
    throw error;
  };

  return {
    /** Password step: a login handle for the code step, or 401 / 423 / 429. */
    async login(input: PasswordInput): Promise<{ login: string; mfaMethods: MfaMethod[] }> {
      limit(perIp, `ip:${input.ip ?? 'unknown'}`);
      limit(perUsername, `user:${input.username.toLowerCase()}`);
      const source = sourceOf(input.ip);
      const account = await credentialsByUsername(db, input.username);
      // An unknown username goes through the same steps as a known one: the same lock check, the
      // same argon2 cost, the same failure counting, so neither answer nor timing tells them apart.
      await refuseIfLocked(await lockFor(input.username, source, account), account, input);
      const failure = { username: input.username, account, source };
      if (!account) {
        await verifyAgainstDummy(input.password);
        return fail(failure, input, 'unknown username', wrongCredentials());
      }
      const passwordOk = await verifyPassword(account.passwordHash, input.password);
      if (!passwordOk) return fail(failure, input, 'wrong password', wrongCredentials());
      if (account.status === 'suspended') {
        await record(input, '4', accountAgent(account), 'refused: account suspended');
        throw wrongCredentials();
      }
      const login = await createLogin(db, {
        accountId: account.id,
        codeChallenge: input.codeChallenge,
        clientId: input.clientId,
        redirectUri: input.redirectUri,
        scope: input.scope,
        now: now(),
      });
      return { login, mfaMethods: [account.mfaMethod] };
    },

    /**
     * Texts a fresh sign-in code to an `sms` account's verified mobile (at most `smsPerLogin` per
     * sign-in). An unknown, used or expired login, a TOTP account, or a locked or suspended one
     * gets the same answer and nothing is sent; the audit record says why.
     */
    async sendSmsCode(input: Attempt & { login: string }): Promise<{ sent: true }> {
      limit(mfaPerIp, `ip:${input.ip ?? 'unknown'}`);
      const at = now();
      const session = await findLogin(db, input.login, at);
      if (!session) {
        await record(
          input,
          '4',
          { display: 'unauthenticated' },
          'no sms code: unknown, used or expired login',
        );
        return { sent: true };
      }
      const account = session.account;
      const mobileEnc = account.mfaMethod === 'sms' ? account.mobileEnc : undefined;
      const unsendable = !mobileEnc
        ? 'the account uses an authenticator app'
        : currentLock(account, at).locked
          ? 'account locked'
          : account.status === 'suspended'
            ? 'account suspended'
            : undefined;
      if (unsendable || !mobileEnc) {
        await record(input, '4', accountAgent(account), `no sms code: ${unsendable}`);
        return { sent: true };
      }
      const issued = await issueCode(db, codeKey, smsCodeRef(session), {
        now: at,
        maxSends: limits.smsPerLogin,
      });
      if ('limited' in issued) {
        await record(input, '4', accountAgent(account), 'no sms code: too many asked for this sign-in');
        throw new Problem(
          'RATE_LIMITED',
          'Too many codes asked for this sign-in; sign in again to get a new one',
        );
      }
      await extendLogin(db, session, new Date(at.getTime() + CODE_TTL_MS));
      const mobile = decryptSecret(secretKey, mobileEnc, mobileAad(account.id)).toString('utf8');
      try {
        await sendCode({ channel: 'sms', to: mobile, template: 'sign-in-code', code: issued.code });
      } catch (error) {
        if (!(error instanceof CodeNotSent)) throw error;
        await record(
          input,
          '4',
          accountAgent(account),
          `sms code not sent: provider refused (${error.kind})`,
        );
        throw codeNotSentProblem(error);
      }
      await record(input, '0', accountAgent(account), 'sms sign-in code sent');
      return { sent: true };
    },

    /**
     * Code step: an authorization code bound to the login's PKCE challenge (amr pwd+otp, and sms
     * for a texted code).
     */
    async mfa(input: OtpInput): Promise<{ code: string }> {
      limit(mfaPerIp, `ip:${input.ip ?? 'unknown'}`);
      const at = now();
      const session = await findLogin(db, input.login, at);
      if (!session) {
        await record(input, '4', { display: 'unauthenticated' }, 'refused: unknown, used or expired login');
        throw wrongCode();
      }
      const account = session.account;
      await refuseIfLocked(currentLock(account, at), account, input);
      if (account.status === 'suspended') {
        await record(input, '4', accountAgent(account), 'refused: account suspended');
        throw wrongCode();
      }
      const codeFailure = { username: account.username, account };
      let factor: SecondFactor;
      if (account.mfaMethod === 'sms') {
        const verdict = await attemptCode(db, codeKey, smsCodeRef(session), input.otp, at);
        if (verdict !== 'ok') return fail(codeFailure, input, SMS_REFUSAL[verdict], wrongCode());
        factor = { kind: 'sms', code: input.otp, key: codeKey };
      } else {
        const seed = decryptSecret(secretKey, account.totpSecretEnc, totpAad(account.id)).toString('utf8');
        const step = matchTotp(seed, input.otp, at);
        if (step === undefined) return fail(codeFailure, input, 'wrong code', wrongCode());
        factor = { kind: 'totp', step };
      }
      const outcome = await consumeLogin(db, session, factor, at, (tx) =>
        // A completed sign-in forgets the failures: over every address and from this one.
        clearFailureCounts(tx, keyOf(account.username), sourceOf(input.ip)),
      );
      if (outcome.kind === 'replayed') {
        return fail(codeFailure, input, 'code already used', codeAlreadyUsed(factor));
      }
      if (outcome.kind === 'gone') {
        await record(input, '4', accountAgent(account), 'refused: login already used');
        throw wrongCode();
      }
      await record(
        input,
        '0',
        accountAgent(account),
        `signed in (pwd, ${factor.kind === 'sms' ? 'sms' : 'otp'})`,
      );
      return { code: outcome.code };
    },
  };
}
