import { describe, expect, it } from 'vitest';
import { loadPortalSettings } from './settings.js';

describe('portal settings', () => {
  it('defaults to a 24 h release delay, a 24 h change cut-off and reminders 48 h ahead', () => {
    expect(loadPortalSettings({})).toEqual({
      resultReleaseDelayS: 86_400,
      appointmentChangeCutoffS: 86_400,
      appointmentReminderLeadS: 172_800,
      clinicianManagedTypes: [],
      weekdayOnlyTypes: [
        { system: 'http://terminology.hl7.org/CodeSystem/v2-0276', code: 'ROUTINE' },
        { system: 'http://terminology.hl7.org/CodeSystem/v2-0276', code: 'FOLLOWUP' },
        { system: 'http://terminology.hl7.org/CodeSystem/v2-0276', code: 'CHECKUP' },
      ],
      eprLinked: false,
    });
    expect(loadPortalSettings({ EPR_MLLP_URL: 'mllp://epr:2575' }).eprLinked).toBe(true);
  });

  it('reads the weekday-only (outpatient) appointment types, or none', () => {
    expect(loadPortalSettings({ APPOINTMENT_WEEKDAY_ONLY_TYPES: 'none' }).weekdayOnlyTypes).toEqual([]);
    expect(loadPortalSettings({ APPOINTMENT_WEEKDAY_ONLY_TYPES: 'CLINIC' }).weekdayOnlyTypes).toEqual([
      { system: undefined, code: 'CLINIC' },
    ]);
    expect(() => loadPortalSettings({ APPOINTMENT_WEEKDAY_ONLY_TYPES: 'a|b|c' })).toThrow(
      /APPOINTMENT_WEEKDAY_ONLY_TYPES/,
    );
  });

  it('reads the release delay, including 0 for no delay', () => {
    expect(loadPortalSettings({ RESULT_RELEASE_DELAY_S: '0' }).resultReleaseDelayS).toBe(0);
    expect(loadPortalSettings({ RESULT_RELEASE_DELAY_S: '3600' }).resultReleaseDelayS).toBe(3600);
  });

  it('refuses a bad value with one message naming the variable', () => {
    expect(() => loadPortalSettings({ RESULT_RELEASE_DELAY_S: '1h' })).toThrow(
      'RESULT_RELEASE_DELAY_S: must be a whole number, got "1h"',
    );
    expect(() => loadPortalSettings({ RESULT_RELEASE_DELAY_S: '99999999' })).toThrow(
      /RESULT_RELEASE_DELAY_S/,
    );
    expect(() => loadPortalSettings({ APPOINTMENT_REMINDER_LEAD_S: '60' })).toThrow(
      /APPOINTMENT_REMINDER_LEAD_S: must be between 3600/,
    );
  });

  it('parses clinician-managed appointment types as code or system|code', () => {
    const settings = loadPortalSettings({
      CLINICIAN_MANAGED_APPOINTMENT_TYPES:
        'EMERGENCY, http://terminology.hl7.org/CodeSystem/v2-0276|FOLLOWUP',
    });
    expect(settings.clinicianManagedTypes).toEqual([
      { system: undefined, code: 'EMERGENCY' },
      { system: 'http://terminology.hl7.org/CodeSystem/v2-0276', code: 'FOLLOWUP' },
    ]);
    expect(() => loadPortalSettings({ CLINICIAN_MANAGED_APPOINTMENT_TYPES: 'a|b|c' })).toThrow(
      /CLINICIAN_MANAGED_APPOINTMENT_TYPES/,
    );
    expect(() => loadPortalSettings({ CLINICIAN_MANAGED_APPOINTMENT_TYPES: 'A,,B' })).toThrow(
      /CLINICIAN_MANAGED_APPOINTMENT_TYPES/,
    );
  });
});
