import { describe, expect, it } from 'vitest';
import { mergedConsent } from './preferences.js';

describe('mergedConsent (HAZ-MERGE)', () => {
  const both = { smsConsent: true, emailConsent: true };
  const noSms = { smsConsent: false, emailConsent: true };
  const noEmail = { smsConsent: true, emailConsent: false };

  it('takes the only record that has been asked', () => {
    expect(mergedConsent(noSms, undefined)).toEqual(noSms);
    expect(mergedConsent(undefined, noEmail)).toEqual(noEmail);
    expect(mergedConsent(undefined, undefined)).toBeUndefined();
  });

  it('keeps a withdrawal made on either record', () => {
    expect(mergedConsent(noSms, noEmail)).toEqual({ smsConsent: false, emailConsent: false });
    expect(mergedConsent(both, noSms)).toEqual(noSms);
    expect(mergedConsent(noEmail, both)).toEqual(noEmail);
  });
});
