/**
 * `POST /auth/register/verify`: both codes (email and mobile) must be right. Each attempt costs a
 * try of each code and counts as one failure of the registration; 5 failures end it. Only here,
 * once the person has shown they read that mailbox, are they told the address already has an
 * account, so nobody else can use sign-up to find out who has one.
 */
import { findAccount } from '../accounts/store.js';
import { type Attempt, bodyOf, type EnrolmentContext, emailTaken, field, wrongCodes } from './context.js';
import { attemptCode, dropCodes, spendCode } from './one-time-codes.js';
import {
  advanceRegistration,
  registrationFailed,
  registrationFor,
  registrationSubject,
} from './registration-store.js';

export interface Verified {
  registration: string;
  next: 'choose-mfa';
}

class Raced extends Error {}

export async function verifyContact(
  ctx: EnrolmentContext,
  raw: unknown,
  attempt: Attempt,
): Promise<Verified> {
  ctx.limit('step', attempt);
  const body = bodyOf(raw);
  const handle = field(body, 'registration');
  const emailCode = field(body, 'emailCode', 16);
  const mobileCode = field(body, 'mobileCode', 16);
  const at = ctx.now();
  const registration = await registrationFor(ctx.db, ctx.secretKey, handle, 'verify', at);
  if (!registration) {
    await ctx.record(attempt, '4', 'refused: codes for an unknown, ended or expired registration');
    throw wrongCodes();
  }
  const { patient } = registration;
  const subject = registrationSubject(registration.id);
  const email = { subject, purpose: 'email' };
  const mobile = { subject, purpose: 'mobile' };
  const emailVerdict = await attemptCode(ctx.db, ctx.codeKey, email, emailCode, at);
  const mobileVerdict = await attemptCode(ctx.db, ctx.codeKey, mobile, mobileCode, at);
  if (emailVerdict !== 'ok' || mobileVerdict !== 'ok') {
    const state = await registrationFailed(ctx.db, registration.id);
    if (state === 'failed') await dropCodes(ctx.db, subject);
    const ended = state === 'failed' ? '; registration ended' : '';
    await ctx.record(
      attempt,
      '4',
      `refused: contact codes (email ${emailVerdict}, mobile ${mobileVerdict})${ended}`,
      patient,
    );
    throw wrongCodes();
  }

  if (await findAccount(ctx.db, { username: registration.details.email })) {
    await advanceRegistration(ctx.db, registration.id, ['verify-contact'], 'failed');
    await dropCodes(ctx.db, subject);
    await ctx.record(attempt, '4', 'refused: the email address is already a username', patient);
    throw emailTaken();
  }

  try {
    await ctx.db.transaction(async (tx) => {
      const used =
        (await spendCode(tx, ctx.codeKey, email, emailCode, at)) &&
        (await spendCode(tx, ctx.codeKey, mobile, mobileCode, at));
      if (!used || !(await advanceRegistration(tx, registration.id, ['verify-contact'], 'choose-mfa'))) {
        throw new Raced();
      }
    });
  } catch (error) {
    if (!(error instanceof Raced)) throw error;
    await ctx.record(attempt, '4', 'refused: codes used by a concurrent request', patient);
    throw wrongCodes();
  }
  await ctx.record(attempt, '0', 'contact details verified', patient);
  return { registration: handle, next: 'choose-mfa' };
}
