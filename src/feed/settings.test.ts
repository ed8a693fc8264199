import { describe, expect, it } from 'vitest';
import { ConfigError } from '../platform/config/config.js';
import { retryDelayMs } from '../platform/jobs/backoff.js';
import { CONTRACT_RETRY, eventsUrlOf, readFeedSettings } from './settings.js';

describe('feed settings', () => {
  it('defaults to the contract: 10 s timeout, first retry within 2 s, no retry more than 5 min apart', () => {
    const settings = readFeedSettings({}, 'https://epms.example');
    expect(settings).toEqual({
      eventsUrl: 'https://epms.example/events',
      timeoutMs: 10_000,
      retry: { baseDelayS: 2, maxDelayS: 300 },
      concurrency: 4,
    });
    expect(settings.retry).toEqual(CONTRACT_RETRY);
    expect(settings.retry.limit).toBeUndefined();
  });

  it('the default policy: first retry 1–2 s, doubling, capped at 5 min forever, jittered', () => {
    const policy = readFeedSettings({}, 'https://epms.example').retry;
    expect(retryDelayMs(1, policy, () => 0)).toBe(1000);
    expect(retryDelayMs(1, policy, () => 1)).toBe(2000);
    expect(retryDelayMs(2, policy, () => 1)).toBe(4000);
    expect(retryDelayMs(9, policy, () => 1)).toBe(300_000);
    expect(retryDelayMs(1000, policy, () => 0)).toBe(150_000);
    expect(retryDelayMs(1000, policy, () => 1)).toBe(300_000);
    const spread = new Set(Array.from({ length: 50 }, () => retryDelayMs(5, policy)));
    expect(spread.size).toBeGreaterThan(1);
  });

  it('is disabled without EPMS_URL', () => {
    expect(readFeedSettings({}, undefined).eventsUrl).toBeUndefined();
  });

  it('takes shorter delays and timeouts (tests, impatient operators) but never beyond the contract', () => {
    const fast = readFeedSettings(
      { FEED_RETRY_BASE_MS: '20', FEED_RETRY_MAX_MS: '200', FEED_TIMEOUT_MS: '300', FEED_CONCURRENCY: '8' },
      'http://127.0.0.1:4010',
    );
    expect(fast).toMatchObject({
      timeoutMs: 300,
      retry: { baseDelayS: 0.02, maxDelayS: 0.2 },
      concurrency: 8,
    });
    expect(() => readFeedSettings({ FEED_RETRY_BASE_MS: '2001' }, undefined)).toThrow(/FEED_RETRY_BASE_MS/);
    expect(() => readFeedSettings({ FEED_RETRY_MAX_MS: '300001' }, undefined)).toThrow(/FEED_RETRY_MAX_MS/);
    expect(() =>
      readFeedSettings({ FEED_RETRY_BASE_MS: '500', FEED_RETRY_MAX_MS: '100' }, undefined),
    ).toThrow(ConfigError);
    expect(() => readFeedSettings({ FEED_TIMEOUT_MS: 'soon' }, undefined)).toThrow(/FEED_TIMEOUT_MS/);
  });

  it('sends to $EPMS_URL/events, keeping a base path, refusing credentials and queries', () => {
    expect(eventsUrlOf('https://epms.example/claims/api')).toBe('https://epms.example/claims/api/events');
    expect(eventsUrlOf('http://127.0.0.1:4010')).toBe('http://127.0.0.1:4010/events');
    expect(eventsUrlOf('https://epms.example:443')).toBe('https://epms.example/events');
    expect(() => eventsUrlOf('https://user:secret@epms.example')).toThrow(
      /EPMS_URL: must not contain credentials/,
    );
    expect(() => eventsUrlOf('https://epms.example/?x=1')).toThrow(/EPMS_URL/);
  });
});
