/**
 * The delivery rules (pure): which channel to try next, how long to wait after a temporary
 * failure, when to stop waiting for a delivery receipt, and why a notification goes to the
 * worklist. SMS first (when there is a mobile and SMS consent), then email, then a person.
 */
import { mayRetry, type RetryPolicy, retryDelayMs } from '../platform/jobs/backoff.js';
import type { ContactDetails } from './contacts.js';
import type { Channel } from './templates.js';

export interface Consent {
  smsConsent: boolean;
  emailConsent: boolean;
}

/** A channel given up on, and why (plain English for the service desk; no contact details). */
export interface ChannelFailure {
  channel: Channel;
  reason: string;
}

export type Plan = { channel: Channel; to: string } | { worklist: string };

const CHANNEL_NAMES: Record<Channel, string> = { sms: 'SMS', email: 'email' };

function blocker(
  channel: Channel,
  address: string | undefined,
  consented: boolean,
  failed: readonly ChannelFailure[],
): string | undefined {
  const failure = failed.find((item) => item.channel === channel);
  if (failure) return failure.reason;
  if (!address)
    return channel === 'sms'
      ? 'no mobile number on the patient record'
      : 'no email address on the patient record';
  if (!consented) return `the patient has not consented to ${CHANNEL_NAMES[channel]}`;
  return undefined;
}

export function planDelivery(input: {
  contacts: ContactDetails;
  consent: Consent;
  failed: readonly ChannelFailure[];
}): Plan {
  const { contacts, consent, failed } = input;
  const sms = blocker('sms', contacts.mobile, consent.smsConsent, failed);
  if (sms === undefined) return { channel: 'sms', to: contacts.mobile! };
  const email = blocker('email', contacts.email, consent.emailConsent, failed);
  if (email === undefined) return { channel: 'email', to: contacts.email! };
  return { worklist: `SMS: ${sms}; email: ${email}` };
}

export interface RetrySettings {
  /** Sends on one channel before it counts as failed (the first one included). */
  attempts: number;
  /** Ceiling of the first retry's delay; it doubles each retry, jittered (platform back-off). */
  firstDelayMs: number;
  maxDelayMs: number;
}

export function retryPolicy(settings: RetrySettings): RetryPolicy {
  return {
    limit: Math.max(0, settings.attempts - 1),
    baseDelayS: settings.firstDelayMs / 1000,
    maxDelayS: Math.max(settings.maxDelayMs, settings.firstDelayMs) / 1000,
  };
}

/** After the `failedAttempts`-th temporary failure on a channel: try again later, or give up on it. */
export function afterTemporaryFailure(
  failedAttempts: number,
  settings: RetrySettings,
  random: () => number = Math.random,
): { retryInMs: number } | { exhausted: true } {
  const policy = retryPolicy(settings);
  if (!mayRetry(failedAttempts, policy)) return { exhausted: true };
  return { retryInMs: retryDelayMs(failedAttempts, policy, random) };
}

export interface PollSettings {
  /** First status check after the provider accepted a message; doubles up to `maxDelayMs`. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** A message still not delivered or failed this long after acceptance counts as failed. */
  giveUpMs: number;
}

/** When to ask the provider again about an accepted message, or that it is overdue. */
export function nextPoll(
  polls: number,
  acceptedAt: Date,
  now: Date,
  settings: PollSettings,
  random: () => number = Math.random,
): { pollInMs: number } | { overdue: true } {
  const waited = now.getTime() - acceptedAt.getTime();
  if (waited >= settings.giveUpMs) return { overdue: true };
  const policy = {
    baseDelayS: settings.firstDelayMs / 1000,
    maxDelayS: Math.max(settings.maxDelayMs, settings.firstDelayMs) / 1000,
  };
  const delay = retryDelayMs(polls + 1, policy, random);
  return { pollInMs: Math.min(delay, settings.giveUpMs - waited) };
}

export function describeAttempts(attempts: number): string {
  return attempts === 1 ? '1 attempt' : `${attempts} attempts`;
}
