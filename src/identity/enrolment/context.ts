/**
 * What every enrolment step shares: its dependencies, the per-IP limits, the audit helper and the
 * refusals. Refusals are deliberately few and generic: a caller learns whether its request was
 * well-formed, never which detail failed to match or why a code was not accepted.
 */
import type { AuditInput, AuditTrail } from '../../platform/audit/index.js';
import type { SecretKey } from '../../platform/crypto/secret-box.js';
import type { Database } from '../../platform/database/database.js';
import { invalid, missing, Problem } from '../../platform/errors/problem.js';
import { SlidingWindowLimiter } from '../signin/rate-limit.js';
import { type CodeKey, deriveCodeKey } from './code-rules.js';
import type { CodeSender } from './code-sender.js';
import type { DemographicsService } from './demographics.js';

export interface EnrolmentLimits {
  /** Sign-up attempts (POST /auth/register) per client address. */
  registerPerIpPerMinute: number;
  /** The later steps (verify, mfa, complete) per client address. */
  stepsPerIpPerMinute: number;
}

export const DEFAULT_ENROLMENT_LIMITS: EnrolmentLimits = {
  registerPerIpPerMinute: 10,
  stepsPerIpPerMinute: 30,
};

export interface EnrolmentDeps {
  db: Database;
  audit: Pick<AuditTrail, 'record'>;
  secretKey: SecretKey;
  demographics: DemographicsService;
  sendCode: CodeSender;
  /** Injectable clock (tests). */
  now?: () => Date;
  limits?: Partial<EnrolmentLimits>;
}

export interface Attempt {
  ip?: string | undefined;
  requestId?: string | undefined;
}

export interface EnrolmentContext {
  db: Database;
  secretKey: SecretKey;
  codeKey: CodeKey;
  demographics: DemographicsService;
  sendCode: CodeSender;
  now(): Date;
  /** 429 when the address is over its limit for this kind of request. */
  limit(kind: 'register' | 'step', attempt: Attempt): void;
  /** An enrolment audit record (User Authentication); `patient` when the step concerns one. */
  record(attempt: Attempt, outcome: AuditInput['outcome'], detail: string, patient?: string): Promise<void>;
  audit: Pick<AuditTrail, 'record'>;
}

export function enrolmentContext(deps: EnrolmentDeps): EnrolmentContext {
  const limits = { ...DEFAULT_ENROLMENT_LIMITS, ...deps.limits };
  const limiters = {
    register: new SlidingWindowLimiter(limits.registerPerIpPerMinute),
    step: new SlidingWindowLimiter(limits.stepsPerIpPerMinute),
  };
  const now = deps.now ?? (() => new Date());
  return {
    db: deps.db,
    secretKey: deps.secretKey,
    codeKey: deriveCodeKey(deps.secretKey),
    demographics: deps.demographics,
    sendCode: deps.sendCode,
    audit: deps.audit,
    now,
    limit(kind, attempt) {
      const verdict = limiters[kind].hit(`ip:${attempt.ip ?? 'unknown'}`, now().getTime());
      if (!verdict.allowed) {
        throw new Problem('RATE_LIMITED', 'Too many attempts to register; wait and try again', {
          headers: { 'retry-after': String(verdict.retryAfterS) },
        });
      }
    },
    record(attempt, outcome, detail, patient) {
      return deps.audit.record({
        subtype: 'login',
        outcome,
        agent: { display: 'unauthenticated', ...(attempt.ip ? { ip: attempt.ip } : {}) },
        ...(patient ? { patient, entity: { reference: patient } } : {}),
        ...(attempt.requestId ? { requestId: attempt.requestId } : {}),
        detail: `enrolment ${detail}`,
      });
    },
  };
}

export const NO_MATCH_TEXT =
  'We could not match these details to a patient record. Check them against a letter from your GP practice or hospital and try again, or contact your GP practice.';

/** The one answer to a well-formed sign-up that cannot go ahead, whatever the reason. */
export const noMatch = (): Problem => new Problem('INVALID_VALUE', NO_MATCH_TEXT);

export const wrongCodes = (): Problem =>
  new Problem(
    'INVALID_VALUE',
    'The codes are not right, or this registration has ended; check the codes, or start again',
  );

export const wrongOtp = (): Problem =>
  new Problem(
    'INVALID_VALUE',
    'The security code is not right, or this registration has ended; check the code, or start again',
  );

export const registrationEnded = (): Problem =>
  new Problem('INVALID_VALUE', 'This registration has ended or expired; start again', {
    expression: 'registration',
  });

export const emailTaken = (): Problem =>
  new Problem(
    'CONFLICT',
    'An account with this email address already exists. Sign in, or contact the service desk if you cannot',
  );

type Body = Record<string, unknown>;

export function bodyOf(raw: unknown): Body {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw invalid('the request body must be a JSON object');
  }
  return raw as Body;
}

export function field(body: Body, name: string, max = 128): string {
  const value = body[name];
  if (value === undefined || value === null || value === '') throw missing(`${name} is required`, name);
  if (typeof value !== 'string' || value.length > max) throw invalid(`${name} must be a string`, name);
  return value.trim();
}
