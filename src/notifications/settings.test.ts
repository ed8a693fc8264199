import { describe, expect, it } from 'vitest';
import { ConfigError } from '../platform/config/config.js';
import { loadSettings } from './settings.js';
import { TEMPLATES } from './templates.js';

const SMS_ID = '3f1d1c52-3e7c-4f60-9d8e-3c1f0a9b2d11';

describe('notification settings', () => {
  it('defaults to 5 attempts over about an hour, and our own template ids', () => {
    const settings = loadSettings({}, 'http://localhost:3000');
    expect(settings.retry).toEqual({ attempts: 5, firstDelayMs: 240_000, maxDelayMs: 1_800_000 });
    expect(settings.poll.giveUpMs).toBe(74 * 3_600_000);
    expect(settings.portalUrl).toBe('http://localhost:3000');
    expect(settings.templateIds['result-available']).toEqual(TEMPLATES['result-available'].ids);
    expect(settings.mappedTemplates).toEqual([]);
  });

  it('reads the retry budget, portal link and Notify template ids from the environment', () => {
    const settings = loadSettings(
      {
        NOTIFICATIONS_ATTEMPTS: '3',
        NOTIFICATIONS_RETRY_DELAY_MS: '50',
        NOTIFICATIONS_PORTAL_URL: 'https://portal.example/',
        NOTIFY_TEMPLATE_IDS: JSON.stringify({ 'result-available': { sms: SMS_ID } }),
      },
      'http://localhost:3000',
    );
    expect(settings.retry).toMatchObject({ attempts: 3, firstDelayMs: 50 });
    expect(settings.portalUrl).toBe('https://portal.example');
    expect(settings.templateIds['result-available']).toEqual({
      sms: SMS_ID,
      email: TEMPLATES['result-available'].ids.email,
    });
    expect(settings.mappedTemplates).toEqual(['result-available']);
  });

  it('names the variable when a value is wrong', () => {
    const bad = (env: Record<string, string>) => () => loadSettings(env, 'http://localhost:3000');
    expect(bad({ NOTIFICATIONS_ATTEMPTS: '0' })).toThrow(ConfigError);
    expect(bad({ NOTIFICATIONS_ATTEMPTS: 'five' })).toThrow(/NOTIFICATIONS_ATTEMPTS/);
    expect(bad({ NOTIFY_TEMPLATE_IDS: '{' })).toThrow(/NOTIFY_TEMPLATE_IDS: must be a JSON object/);
    expect(bad({ NOTIFY_TEMPLATE_IDS: '{"nope":{"sms":"x"}}' })).toThrow(/unknown template "nope"/);
    expect(bad({ NOTIFY_TEMPLATE_IDS: '{"result-available":{"sms":"x"}}' })).toThrow(
      /must be a Notify template id/,
    );
    expect(bad({ NOTIFY_TEMPLATE_IDS: `{"result-available":{"fax":"${SMS_ID}"}}` })).toThrow(
      /channel must be sms or email/,
    );
  });
});
