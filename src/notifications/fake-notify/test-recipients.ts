/**
 * GOV.UK Notify's documented test recipients (docs.notifications.service.gov.uk, "API keys" →
 * "Test"): with a test key these are accepted and then end in a failure status; any other valid
 * number or address ends `delivered`. The fake server behaves the same way with any key.
 */
import { normaliseUkMobile } from '../recipients.js';
import type { Channel } from '../templates.js';

export const NOTIFY_TEST_RECIPIENTS = Object.freeze({
  sms: { temporaryFailure: '07700900003', permanentFailure: '07700900002' },
  email: { temporaryFailure: 'temp-fail@simulator.notify', permanentFailure: 'perm-fail@simulator.notify' },
});

export type FinalStatus = 'delivered' | 'temporary-failure' | 'permanent-failure';

export function finalStatusFor(channel: Channel, to: string): FinalStatus {
  const tests = NOTIFY_TEST_RECIPIENTS[channel];
  const same =
    channel === 'sms'
      ? (a: string, b: string) => normaliseUkMobile(a) === normaliseUkMobile(b)
      : (a: string, b: string) => a.trim().toLowerCase() === b;
  if (same(to, tests.temporaryFailure)) return 'temporary-failure';
  if (same(to, tests.permanentFailure)) return 'permanent-failure';
  return 'delivered';
}
