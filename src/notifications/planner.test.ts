import { describe, expect, it } from 'vitest';
import { afterTemporaryFailure, nextPoll, planDelivery, type RetrySettings } from './planner.js';

const both = { mobile: '07700900123', email: 'alex@example.com' };
const consented = { smsConsent: true, emailConsent: true };

describe('choosing a channel', () => {
  it('sends SMS first when there is a mobile number and SMS consent', () => {
    expect(planDelivery({ contacts: both, consent: consented, failed: [] })).toEqual({
      channel: 'sms',
      to: '07700900123',
    });
  });

  it('falls back to email without a mobile, without SMS consent, or after SMS failed', () => {
    expect(planDelivery({ contacts: { email: 'alex@example.com' }, consent: consented, failed: [] })).toEqual(
      {
        channel: 'email',
        to: 'alex@example.com',
      },
    );
    expect(
      planDelivery({ contacts: both, consent: { smsConsent: false, emailConsent: true }, failed: [] }),
    ).toEqual({
      channel: 'email',
      to: 'alex@example.com',
    });
    expect(
      planDelivery({ contacts: both, consent: consented, failed: [{ channel: 'sms', reason: 'failed' }] }),
    ).toEqual({ channel: 'email', to: 'alex@example.com' });
  });

  it('sends the rest to the worklist, saying why for each channel', () => {
    expect(planDelivery({ contacts: {}, consent: consented, failed: [] })).toEqual({
      worklist: 'SMS: no mobile number on the patient record; email: no email address on the patient record',
    });
    expect(
      planDelivery({ contacts: both, consent: { smsConsent: false, emailConsent: false }, failed: [] }),
    ).toEqual({
      worklist: 'SMS: the patient has not consented to SMS; email: the patient has not consented to email',
    });
    expect(
      planDelivery({
        contacts: both,
        consent: consented,
        failed: [
          { channel: 'sms', reason: 'permanent-failure reported by the provider' },
          { channel: 'email', reason: 'provider unavailable after 5 attempts' },
        ],
      }),
    ).toEqual({
      worklist:
        'SMS: permanent-failure reported by the provider; email: provider unavailable after 5 attempts',
    });
    expect(
      planDelivery({
        contacts: { mobile: '07700900123' },
        consent: { smsConsent: true, emailConsent: false },
        failed: [{ channel: 'sms', reason: 'refused: Not a UK mobile number' }],
      }),
    ).toEqual({
      worklist: 'SMS: refused: Not a UK mobile number; email: no email address on the patient record',
    });
  });
});

describe('retrying after a temporary failure', () => {
  const settings: RetrySettings = { attempts: 5, firstDelayMs: 240_000, maxDelayMs: 1_800_000 };

  it('allows 5 attempts in all, then gives the channel up', () => {
    for (let failed = 1; failed <= 4; failed++) {
      expect(afterTemporaryFailure(failed, settings)).toHaveProperty('retryInMs');
    }
    expect(afterTemporaryFailure(5, settings)).toEqual({ exhausted: true });
  });

  it('spreads the 5 attempts over about an hour at most (doubling, capped, jittered)', () => {
    const longest = [1, 2, 3, 4].map(
      (n) => (afterTemporaryFailure(n, settings, () => 1) as { retryInMs: number }).retryInMs,
    );
    expect(longest).toEqual([240_000, 480_000, 960_000, 1_800_000]);
    const total = longest.reduce((a, b) => a + b, 0);
    expect(total).toBeLessThanOrEqual(3_600_000);
    const shortest = [1, 2, 3, 4].map(
      (n) => (afterTemporaryFailure(n, settings, () => 0) as { retryInMs: number }).retryInMs,
    );
    expect(shortest).toEqual([120_000, 240_000, 480_000, 900_000]);
  });

  it('with one attempt, gives up at once', () => {
    expect(afterTemporaryFailure(1, { ...settings, attempts: 1 })).toEqual({ exhausted: true });
  });
});

describe('polling for a delivery receipt', () => {
  const poll = { firstDelayMs: 5_000, maxDelayMs: 600_000, giveUpMs: 72 * 3_600_000 };
  const accepted = new Date('2026-07-14T12:00:00Z');

  it('asks again sooner first, then less often, never past the give-up time', () => {
    expect(nextPoll(0, accepted, accepted, poll, () => 1)).toEqual({ pollInMs: 5_000 });
    expect(nextPoll(3, accepted, accepted, poll, () => 1)).toEqual({ pollInMs: 40_000 });
    expect(nextPoll(20, accepted, accepted, poll, () => 1)).toEqual({ pollInMs: 600_000 });
    const nearlyOver = new Date(accepted.getTime() + poll.giveUpMs - 1_000);
    expect(nextPoll(20, accepted, nearlyOver, poll, () => 1)).toEqual({ pollInMs: 1_000 });
  });

  it('calls a message overdue once the give-up time has passed', () => {
    const later = new Date(accepted.getTime() + poll.giveUpMs);
    expect(nextPoll(5, accepted, later, poll)).toEqual({ overdue: true });
  });
});
