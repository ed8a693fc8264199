/**
 * `POST /auth/register/complete`: the code from the authenticator app or the text proves the
 * second factor, and the account is created in one transaction with everything it depends on:
 * the Patient record (created from an external demographics record when this service has none),
 * the check that no account is linked to that patient yet (under the patient's lock, so two
 * sign-ups for one patient cannot both win), the used code, and the registration's removal.
 */
import { decryptSecret } from '../../platform/crypto/secret-box.js';
import type { Problem } from '../../platform/errors/problem.js';
import { createPatientAccount, isLinked } from '../accounts/store.js';
import { matchTotp } from '../accounts/totp.js';
import {
  type Attempt,
  bodyOf,
  type EnrolmentContext,
  emailTaken,
  field,
  noMatch,
  wrongOtp,
} from './context.js';
import { linkablePatient, lockPatientIdentifier } from './local-patient.js';
import { attemptCode, dropCodes, spendCode } from './one-time-codes.js';
import {
  deleteRegistration,
  type Registration,
  registrationFailed,
  registrationFor,
  registrationSubject,
  registrationTotpAad,
} from './registration-store.js';

export interface Completed {
  username: string;
  fhirUser: string;
}

/** A refusal found inside the transaction: thrown to roll it back, answered after. */
class Refused extends Error {
  constructor(
    readonly reason: string,
    readonly problem: () => Problem,
  ) {
    super(reason);
  }
}

type Proof = { kind: 'totp'; step: number } | { kind: 'sms'; code: string };

async function prove(
  ctx: EnrolmentContext,
  registration: Registration,
  otp: string,
  at: Date,
): Promise<Proof | string> {
  if (registration.mfaMethod === 'totp' && registration.totpSecretEnc) {
    const seed = decryptSecret(
      ctx.secretKey,
      registration.totpSecretEnc,
      registrationTotpAad(registration.id),
    ).toString('utf8');
    const step = matchTotp(seed, otp, at);
    return step === undefined ? 'wrong authenticator code' : { kind: 'totp', step };
  }
  const ref = { subject: registrationSubject(registration.id), purpose: 'mfa' };
  const verdict = await attemptCode(ctx.db, ctx.codeKey, ref, otp, at);
  return verdict === 'ok' ? { kind: 'sms', code: otp } : `text message code ${verdict}`;
}

export async function completeRegistration(
  ctx: EnrolmentContext,
  raw: unknown,
  attempt: Attempt,
): Promise<Completed> {
  ctx.limit('step', attempt);
  const body = bodyOf(raw);
  const handle = field(body, 'registration');
  const otp = field(body, 'otp', 16);
  const at = ctx.now();
  const registration = await registrationFor(ctx.db, ctx.secretKey, handle, 'complete', at);
  if (!registration?.mfaMethod) {
    await ctx.record(attempt, '4', 'refused: completion of an unknown, ended or expired registration');
    throw wrongOtp();
  }
  const subject = registrationSubject(registration.id);
  const proof = await prove(ctx, registration, otp, at);
  if (typeof proof === 'string') {
    const state = await registrationFailed(ctx.db, registration.id);
    if (state === 'failed') await dropCodes(ctx.db, subject);
    const ended = state === 'failed' ? '; registration ended' : '';
    await ctx.record(attempt, '4', `refused: ${proof}${ended}`, registration.patient);
    throw wrongOtp();
  }

  const { details } = registration;
  const method = registration.mfaMethod;
  let linked: { patient: string; created: boolean; accountId: string };
  try {
    linked = await ctx.db.transaction(async (tx) => {
      await lockPatientIdentifier(tx, details.identifier);
      // Looked up again under the lock: the record matched at sign-up must still be the one.
      const target = await linkablePatient(tx, details.identifier, details.resource, at);
      if (!target || (registration.patient !== undefined && target.patient !== registration.patient)) {
        throw new Refused('the patient record changed since sign-up', noMatch);
      }
      if (await isLinked(tx, target.patient)) throw new Refused('already enrolled', noMatch);
      if (
        proof.kind === 'sms' &&
        !(await spendCode(tx, ctx.codeKey, { subject, purpose: 'mfa' }, proof.code, at))
      ) {
        throw new Refused('text message code used by a concurrent request', wrongOtp);
      }
      const accountId = await createPatientAccount(tx, {
        username: details.email,
        fhirUser: target.patient,
        passwordHash: registration.passwordHash,
        mfaMethod: method,
        ...(proof.kind === 'totp' ? { totpSecret: seedOf(ctx, registration) } : { mobile: details.mobile }),
        secretKey: ctx.secretKey,
      });
      if (!accountId) throw new Refused('the email address is already a username', emailTaken);
      if (proof.kind === 'totp') {
        // The code just used must not also pass a sign-in within its window.
        await tx.query('INSERT INTO totp_used (account_id, counter) VALUES ($1, $2)', [
          accountId,
          proof.step,
        ]);
      }
      await dropCodes(tx, subject);
      await deleteRegistration(tx, registration.id);
      return { ...target, accountId };
    });
  } catch (error) {
    if (!(error instanceof Refused)) throw error;
    await ctx.record(attempt, '4', `refused: ${error.reason}`, registration.patient);
    throw error.problem();
  }

  const agent = { reference: linked.patient, roles: ['patient'], ...(attempt.ip ? { ip: attempt.ip } : {}) };
  const requestId = attempt.requestId ? { requestId: attempt.requestId } : {};
  if (linked.created) {
    await ctx.audit.record({
      subtype: 'create',
      outcome: '0',
      agent,
      entity: { reference: linked.patient },
      patient: linked.patient,
      ...requestId,
      detail: 'enrolment: patient record created from the demographics service',
    });
  }
  await ctx.audit.record({
    subtype: 'user-security-attributes-changed',
    outcome: '0',
    agent,
    entity: { reference: linked.patient },
    patient: linked.patient,
    ...requestId,
    detail: `enrolment: account:${linked.accountId} created (role patient, mfa ${method})`,
  });
  return { username: details.email, fhirUser: linked.patient };
}

function seedOf(ctx: EnrolmentContext, registration: Registration): string {
  return decryptSecret(
    ctx.secretKey,
    registration.totpSecretEnc!,
    registrationTotpAad(registration.id),
  ).toString('utf8');
}
