/**
 * `POST /auth/register/mfa`: the second factor the account will use. `totp`: a new seed for an
 * authenticator app (shown this once); `sms`: a code texted to the mobile just verified. Either
 * way the next step proves it works. Asking again (to switch, or for another text, at most 3)
 * replaces the earlier choice.
 */
import { Secret, TOTP } from 'otpauth';
import { encryptSecret } from '../../platform/crypto/secret-box.js';
import { invalid, Problem } from '../../platform/errors/problem.js';
import { generateTotpSecret } from '../accounts/totp.js';
import { CodeNotSent, codeNotSentProblem } from './code-sender.js';
import { type Attempt, bodyOf, type EnrolmentContext, field, registrationEnded } from './context.js';
import { issueCode } from './one-time-codes.js';
import { MFA_SMS_MAX_SENDS } from './registration-state.js';
import {
  advanceRegistration,
  registrationFor,
  registrationSubject,
  registrationTotpAad,
} from './registration-store.js';

export const TOTP_ISSUER = 'Pathways';

export type MfaChosen =
  | { registration: string; next: 'confirm-mfa'; totpSecret: string; otpauthUri: string }
  | { registration: string; next: 'confirm-mfa' };

/** `otpauth://totp/…` for a QR code: RFC 6238 SHA-1, 6 digits, 30 s, labelled with the username. */
export function otpauthUri(secret: string, username: string): string {
  return new TOTP({
    issuer: TOTP_ISSUER,
    label: username,
    secret: Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
  }).toString();
}

export async function chooseMfa(ctx: EnrolmentContext, raw: unknown, attempt: Attempt): Promise<MfaChosen> {
  ctx.limit('step', attempt);
  const body = bodyOf(raw);
  const handle = field(body, 'registration');
  const method = field(body, 'method', 16);
  if (method !== 'totp' && method !== 'sms') throw invalid('method must be totp or sms', 'method');
  const at = ctx.now();
  const registration = await registrationFor(ctx.db, ctx.secretKey, handle, 'choose-mfa', at);
  if (!registration) {
    await ctx.record(attempt, '4', 'refused: mfa choice for an unknown, ended or expired registration');
    throw registrationEnded();
  }
  const { patient } = registration;
  const from: ['choose-mfa', 'confirm-mfa'] = ['choose-mfa', 'confirm-mfa'];

  if (method === 'totp') {
    const secret = generateTotpSecret();
    const sealed = encryptSecret(ctx.secretKey, secret, registrationTotpAad(registration.id));
    const moved = await advanceRegistration(ctx.db, registration.id, from, 'confirm-mfa', {
      mfaMethod: 'totp',
      totpSecretEnc: sealed,
    });
    if (!moved) throw registrationEnded();
    await ctx.record(attempt, '0', 'mfa chosen: authenticator app', patient);
    return {
      registration: handle,
      next: 'confirm-mfa',
      totpSecret: secret,
      otpauthUri: otpauthUri(secret, registration.details.email),
    };
  }

  const ref = { subject: registrationSubject(registration.id), purpose: 'mfa' };
  const issued = await issueCode(ctx.db, ctx.codeKey, ref, { now: at, maxSends: MFA_SMS_MAX_SENDS });
  if ('limited' in issued) {
    await ctx.record(attempt, '4', 'refused: too many texts asked for', patient);
    throw new Problem('RATE_LIMITED', 'Too many codes asked for; use the last one sent, or start again');
  }
  const moved = await advanceRegistration(ctx.db, registration.id, from, 'confirm-mfa', {
    mfaMethod: 'sms',
    totpSecretEnc: null,
  });
  if (!moved) throw registrationEnded();
  try {
    await ctx.sendCode({
      channel: 'sms',
      to: registration.details.mobile,
      template: 'verify-contact',
      code: issued.code,
    });
  } catch (error) {
    if (!(error instanceof CodeNotSent)) throw error;
    await ctx.record(attempt, '4', `mfa code not sent (${error.kind})`, patient);
    throw codeNotSentProblem(error);
  }
  await ctx.record(attempt, '0', 'mfa chosen: text message, code sent', patient);
  return { registration: handle, next: 'confirm-mfa' };
}
