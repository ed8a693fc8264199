import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../platform/config/config.js';
import { readEprSettings } from './epr-settings.js';

describe('EPR settings', () => {
  it('is off without EPR_MLLP_URL, and reads mllp://host:port with the defaults', () => {
    expect(readEprSettings({})).toBeUndefined();
    expect(readEprSettings({ EPR_MLLP_URL: 'mllp://epr.trust.nhs.uk:2575' })).toEqual({
      host: 'epr.trust.nhs.uk',
      port: 2575,
      timeoutMs: 10_000,
      retry: { baseDelayS: 2, maxDelayS: 300 },
      breakerFailures: 5,
      breakerOpenMs: 30_000,
    });
    expect(readEprSettings({ EPR_MLLP_URL: 'mllp://[::1]:2576/' })).toMatchObject({
      host: '::1',
      port: 2576,
    });
  });

  it('stops the start with one line naming the variable for a bad value', () => {
    for (const bad of [
      'http://epr:2575',
      'mllp://epr',
      'mllp://epr:0',
      'mllp://epr:70000',
      'mllp://user@epr:2575',
    ]) {
      expect(() => readEprSettings({ EPR_MLLP_URL: bad })).toThrow(ConfigError);
    }
    expect(() => readEprSettings({ EPR_MLLP_URL: 'mllp://epr:2575', EPR_BREAKER_FAILURES: '0' })).toThrow(
      /EPR_BREAKER_FAILURES/,
    );
    expect(() =>
      readEprSettings({
        EPR_MLLP_URL: 'mllp://epr:2575',
        EPR_RETRY_BASE_MS: '5000',
        EPR_RETRY_MAX_MS: '1000',
      }),
    ).toThrow(/EPR_RETRY_MAX_MS/);
  });
});
