/**
 * `POST /auth/register`: the details are checked for shape, matched against the demographics
 * service, and on a match a registration is created and one code each is sent to the email
 * address and the mobile number. A well-formed request that cannot go ahead (no record, a detail
 * that does not match, deceased, merged, already enrolled) gets one generic answer after the same
 * work (the lookup and the password hash), so neither the answer nor its timing says which.
 */
import { Problem } from '../../platform/errors/problem.js';
import { hashPassword } from '../accounts/password.js';
import { isLinked } from '../accounts/store.js';
import { CodeNotSent, codeNotSentProblem } from './code-sender.js';
import { type Attempt, type EnrolmentContext, noMatch } from './context.js';
import { type DemographicsRecord, DemographicsUnavailable } from './demographics.js';
import { judgeMatch } from './match-rule.js';
import { dropCodes, issueCode } from './one-time-codes.js';
import { parseRegistration } from './registration-input.js';
import { createRegistration, deleteRegistration, registrationSubject } from './registration-store.js';
import { localPatientFor } from './store-demographics.js';

export interface Started {
  registration: string;
  next: 'verify-contact';
}

export async function startRegistration(
  ctx: EnrolmentContext,
  raw: unknown,
  attempt: Attempt,
): Promise<Started> {
  ctx.limit('register', attempt);
  const at = ctx.now();
  const input = parseRegistration(raw, at);

  let record: DemographicsRecord | undefined;
  try {
    record = await ctx.demographics.find(input.identifier);
  } catch (error) {
    if (!(error instanceof DemographicsUnavailable)) throw error;
    await ctx.record(attempt, '8', `refused: ${error.message}`);
    throw new Problem('SERVICE_UNAVAILABLE', 'We cannot check your details just now; try again later', {
      headers: { 'retry-after': '30' },
    });
  }
  const passwordHash = await hashPassword(input.password);
  const verdict = judgeMatch(input, record);
  const local =
    record && ctx.demographics.kind === 'local'
      ? record
      : await localPatientFor(ctx.db, input.identifier, at);
  const patient = local?.patient;
  const enrolled = patient !== undefined && (await isLinked(ctx.db, patient));
  if (!verdict.matched || enrolled || !record) {
    const reason = verdict.matched ? 'already enrolled' : `${verdict.reason} does not match`;
    await ctx.record(attempt, '4', `refused: ${reason}`, patient);
    throw noMatch();
  }

  const details = {
    email: input.email,
    mobile: input.mobile,
    identifier: input.identifier,
    ...(record.resource ? { resource: record.resource } : {}),
  };
  const { id, handle, codes } = await ctx.db.transaction(async (tx) => {
    const created = await createRegistration(tx, ctx.secretKey, { patient, details, passwordHash, now: at });
    const subject = registrationSubject(created.id);
    const issue = async (purpose: 'email' | 'mobile') => {
      const issued = await issueCode(tx, ctx.codeKey, { subject, purpose }, { now: at, maxSends: 1 });
      if ('limited' in issued) throw new Error('a new registration already had codes');
      return issued.code;
    };
    return { ...created, codes: { email: await issue('email'), mobile: await issue('mobile') } };
  });

  try {
    await ctx.sendCode({ channel: 'email', to: input.email, template: 'verify-contact', code: codes.email });
    await ctx.sendCode({ channel: 'sms', to: input.mobile, template: 'verify-contact', code: codes.mobile });
  } catch (error) {
    // Nothing is kept of a registration whose codes did not go out.
    await dropCodes(ctx.db, registrationSubject(id));
    await deleteRegistration(ctx.db, id);
    if (!(error instanceof CodeNotSent)) throw error;
    await ctx.record(attempt, '4', `refused: ${error.channel} code not sent (${error.kind})`, patient);
    if (error.kind === 'permanent') {
      const [name, what] = error.channel === 'sms' ? ['mobile', 'mobile number'] : ['email', 'email address'];
      throw new Problem('INVALID_VALUE', `We could not send a code to this ${what}; check it and try again`, {
        expression: name,
      });
    }
    throw codeNotSentProblem(error);
  }
  await ctx.record(attempt, '0', 'started: codes sent to the email address and mobile', patient);
  return { registration: handle, next: 'verify-contact' };
}
