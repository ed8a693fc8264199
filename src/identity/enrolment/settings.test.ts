import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../platform/config/config.js';
import { loadEnrolmentSettings } from './settings.js';

describe('enrolment settings', () => {
  it('defaults to the FHIR store and a 5 s timeout', () => {
    expect(loadEnrolmentSettings({})).toEqual({ demographicsUrl: undefined, demographicsTimeoutMs: 5000 });
  });

  it('reads DEMOGRAPHICS_URL and DEMOGRAPHICS_TIMEOUT_MS, naming a bad one', () => {
    expect(
      loadEnrolmentSettings({
        DEMOGRAPHICS_URL: 'https://pds.example/FHIR/R4/',
        DEMOGRAPHICS_TIMEOUT_MS: '800',
      }),
    ).toEqual({ demographicsUrl: 'https://pds.example/FHIR/R4', demographicsTimeoutMs: 800 });
    expect(() => loadEnrolmentSettings({ DEMOGRAPHICS_URL: 'ftp://pds.example' })).toThrow(ConfigError);
    expect(() => loadEnrolmentSettings({ DEMOGRAPHICS_TIMEOUT_MS: 'soon' })).toThrow(
      /DEMOGRAPHICS_TIMEOUT_MS/,
    );
    expect(() => loadEnrolmentSettings({ DEMOGRAPHICS_TIMEOUT_MS: '10' })).toThrow(/between 100 and 60000/);
  });
});
