/**
 * Unlocking one's own account through a verified channel (docs/api.md §3: "or the holder
 * unlocks through a verified channel"). `request` texts or emails a 6-digit code to the mobile the
 * account signs in with, or to the email address enrolment verified; `confirm` with that code lifts
 * every lock on the username (the account's and each address's). Codes are HMACs in
 * `one_time_code` (subject `unlock:<account id>`): single use, 10 minutes, 5 tries, at most 3 sent
 * a day per account.
 *
 * Both steps answer alike whoever asks: `request` always 202 and sends nothing for an unknown
 * username, an unlocked, suspended or channel-less account (staff keep the service desk); the
 * message is sent after the answer, so its cost does not show in the response time either.
 */
import type { AuditInput, AuditTrail } from '../../platform/audit/index.js';
import { decryptSecret, type SecretKey } from '../../platform/crypto/secret-box.js';
import type { Database } from '../../platform/database/database.js';
import { Problem } from '../../platform/errors/problem.js';
import { accountAgent, accountEntity } from '../accounts/audit-agent.js';
import { type AccountCredentials, credentialsByUsername, mobileAad } from '../accounts/store.js';
import { type CodeKey, type CodeVerdict, deriveCodeKey } from '../enrolment/code-rules.js';
import { CodeNotSent, type CodeSender } from '../enrolment/code-sender.js';
import { attemptCode, type CodeRef, issueCode, spendCode } from '../enrolment/one-time-codes.js';
import { anyCountLocked, clearFailureCounts, usernameKeyer } from './failure-store.js';
import { currentLock } from './lockout.js';
import { SlidingWindowLimiter } from './rate-limit.js';

export const UNLOCK_CODES_PER_DAY = 3;
/** Per client address, for both steps together. */
export const UNLOCK_PER_IP_PER_MINUTE = 10;

export interface SelfUnlockDeps {
  db: Database;
  audit: Pick<AuditTrail, 'record'>;
  secretKey: SecretKey;
  sendCode?: CodeSender | undefined;
  now?: (() => Date) | undefined;
  unlockPerIpPerMinute?: number | undefined;
}

export interface UnlockAttempt {
  username: string;
  ip?: string | undefined;
  requestId?: string | undefined;
}

type Channel = { channel: 'sms' | 'email'; to: string };

export const wrongUnlockCode = (): Problem =>
  new Problem('UNAUTHORIZED', 'The unlock code is not right, or it has expired; ask for a new one');

const REFUSAL: Record<Exclude<CodeVerdict, 'ok'>, string> = {
  wrong: 'wrong code',
  none: 'no unlock code was sent',
  expired: 'unlock code expired',
  used: 'unlock code already used',
  exhausted: 'unlock code has no tries left',
};

export const unlockCodeRef = (accountId: string): CodeRef => ({
  subject: `unlock:${accountId}`,
  purpose: 'unlock',
});

export type SelfUnlock = ReturnType<typeof createSelfUnlock>;

export function createSelfUnlock(deps: SelfUnlockDeps) {
  const { db, audit, secretKey } = deps;
  const now = deps.now ?? (() => new Date());
  const codeKey: CodeKey = deriveCodeKey(secretKey);
  const keyOf = usernameKeyer(secretKey);
  const limiter = new SlidingWindowLimiter(deps.unlockPerIpPerMinute ?? UNLOCK_PER_IP_PER_MINUTE);
  const sending = new Set<Promise<void>>();

  const limit = (ip: string | undefined): void => {
    const verdict = limiter.hit(`ip:${ip ?? 'unknown'}`, now().getTime());
    if (!verdict.allowed) {
      throw new Problem('RATE_LIMITED', 'Too many unlock attempts; wait and try again', {
        headers: { 'retry-after': String(verdict.retryAfterS) },
      });
    }
  };

  const record = (attempt: UnlockAttempt, agent: AuditInput['agent'], outcome: '0' | '4', detail: string) =>
    audit.record({
      subtype: 'user-security-attributes-changed',
      outcome,
      agent: { ...agent, ...(attempt.ip ? { ip: attempt.ip } : {}) },
      ...(attempt.requestId ? { requestId: attempt.requestId } : {}),
      detail,
    });

  /** Where an unlock code can go: the sign-in mobile, else the verified email address. */
  const channelOf = (account: AccountCredentials): Channel | undefined => {
    if (account.mfaMethod === 'sms' && account.mobileEnc) {
      const to = decryptSecret(secretKey, account.mobileEnc, mobileAad(account.id)).toString('utf8');
      return { channel: 'sms', to };
    }
    if (account.emailVerified) return { channel: 'email', to: account.username };
    return undefined;
  };

  const isLocked = async (account: AccountCredentials, at: Date): Promise<boolean> =>
    currentLock(account, at).locked || (await anyCountLocked(db, keyOf(account.username), at));

  /** Why nothing is sent to this account, or the channel to send to. */
  const eligibility = async (account: AccountCredentials | undefined, at: Date) => {
    if (!account) return 'unknown username';
    if (account.status === 'suspended') return 'account suspended';
    if (!(await isLocked(account, at))) return 'account not locked';
    return channelOf(account) ?? 'no verified channel (service desk only)';
  };

  const send = (attempt: UnlockAttempt, account: AccountCredentials, to: Channel, code: string) => {
    const sender = deps.sendCode;
    const task = (async () => {
      try {
        if (!sender) throw new CodeNotSent('temporary', to.channel);
        await sender({ ...to, template: 'unlock-code', code });
        await record(attempt, accountAgent(account), '0', `unlock code sent by ${to.channel}`);
      } catch (error) {
        const kind = error instanceof CodeNotSent ? error.kind : 'temporary';
        await record(attempt, accountAgent(account), '4', `unlock code not sent: provider refused (${kind})`);
      }
    })().catch(() => {
      // Auditing failed too; the person can ask again.
    });
    sending.add(task);
    void task.finally(() => sending.delete(task));
  };

  return {
    /** Always `{ sent: true }`; a code goes out only to a locked account with a verified channel. */
    async request(attempt: UnlockAttempt): Promise<{ sent: true }> {
      limit(attempt.ip);
      const at = now();
      const account = await credentialsByUsername(db, attempt.username);
      const target = await eligibility(account, at);
      if (typeof target === 'string' || !account) {
        const agent = account ? accountAgent(account) : { display: 'unauthenticated' };
        await record(attempt, agent, '4', `no unlock code: ${target}`);
        return { sent: true };
      }
      const issued = await issueCode(db, codeKey, unlockCodeRef(account.id), {
        now: at,
        maxSends: UNLOCK_CODES_PER_DAY,
      });
      if ('limited' in issued) {
        await record(attempt, accountAgent(account), '4', 'no unlock code: too many asked for today');
        return { sent: true };
      }
      send(attempt, account, target, issued.code);
      return { sent: true };
    },

    /** Lifts every lock on the username with the code sent; 401 alike for anything else. */
    async confirm(attempt: UnlockAttempt & { code: string }): Promise<{ unlocked: true }> {
      limit(attempt.ip);
      const at = now();
      const account = await credentialsByUsername(db, attempt.username);
      // An unknown username costs the same two lookups as a known one without a code.
      const ref = unlockCodeRef(account?.id ?? `unknown:${keyOf(attempt.username)}`);
      const verdict = await attemptCode(db, codeKey, ref, attempt.code, at);
      const agent = account ? accountAgent(account) : { display: 'unauthenticated' };
      if (verdict !== 'ok' || !account || account.status === 'suspended') {
        const why = !account ? 'unknown username' : verdict === 'ok' ? 'account suspended' : REFUSAL[verdict];
        await record(attempt, agent, '4', `unlock refused: ${why}`);
        throw wrongUnlockCode();
      }
      const unlocked = await db.transaction(async (tx) => {
        if (!(await spendCode(tx, codeKey, ref, attempt.code, at))) return false;
        await tx.query(
          `UPDATE account SET status = CASE WHEN status = 'locked' THEN 'active' ELSE status END,
             failed_count = 0, locked_until = NULL, updated_at = now()
           WHERE id = $1`,
          [account.id],
        );
        await clearFailureCounts(tx, keyOf(account.username));
        return true;
      });
      if (!unlocked) {
        await record(attempt, agent, '4', 'unlock refused: unlock code used by a concurrent request');
        throw wrongUnlockCode();
      }
      await audit.record({
        subtype: 'user-security-attributes-changed',
        outcome: '0',
        agent: { ...agent, ...(attempt.ip ? { ip: attempt.ip } : {}) },
        ...accountEntity(account),
        ...(attempt.requestId ? { requestId: attempt.requestId } : {}),
        detail: `account:${account.id} unlocked by its holder with a code sent to a verified channel`,
      });
      return { unlocked: true };
    },

    /** Resolves once every unlock message being sent has been handed over (shutdown, tests). */
    async idle(): Promise<void> {
      await Promise.all([...sending]);
    },
  };
}
