/**
 * The steps of a sign-up (pure): register → verify-contact → choose-mfa → confirm-mfa → account.
 * A registration lives 30 minutes; 5 wrong codes in all (contact codes and the MFA code) end it.
 * Choosing the MFA method again (to switch, or to have a new text sent) is allowed until it is
 * confirmed.
 */
export type RegistrationState = 'verify-contact' | 'choose-mfa' | 'confirm-mfa' | 'failed';
export type RegistrationStep = 'verify' | 'choose-mfa' | 'complete';

export const REGISTRATION_TTL_MS = 30 * 60_000;
export const REGISTRATION_MAX_FAILURES = 5;
/** Texts with the MFA confirmation code per registration. */
export const MFA_SMS_MAX_SENDS = 3;

const ALLOWED: Record<RegistrationStep, readonly RegistrationState[]> = {
  verify: ['verify-contact'],
  'choose-mfa': ['choose-mfa', 'confirm-mfa'],
  complete: ['confirm-mfa'],
};

const NEXT: Record<Exclude<RegistrationStep, 'complete'>, RegistrationState> = {
  verify: 'choose-mfa',
  'choose-mfa': 'confirm-mfa',
};

export interface RegistrationStatus {
  state: RegistrationState;
  expiresAt: Date;
}

export function isLive(registration: RegistrationStatus, now: Date): boolean {
  return registration.state !== 'failed' && registration.expiresAt.getTime() > now.getTime();
}

/** Whether `step` may be taken now. */
export function allows(registration: RegistrationStatus, step: RegistrationStep, now: Date): boolean {
  return isLive(registration, now) && ALLOWED[step].includes(registration.state);
}

export function stateAfter(step: Exclude<RegistrationStep, 'complete'>): RegistrationState {
  return NEXT[step];
}

/** The state once a failure has been counted (`failedCount` includes it). */
export function stateAfterFailure(state: RegistrationState, failedCount: number): RegistrationState {
  return failedCount >= REGISTRATION_MAX_FAILURES ? 'failed' : state;
}

/** The next-step word the API answers with. */
export function nextStepName(state: RegistrationState): 'verify-contact' | 'choose-mfa' | 'confirm-mfa' {
  if (state === 'failed') throw new TypeError('a failed registration has no next step');
  return state;
}
