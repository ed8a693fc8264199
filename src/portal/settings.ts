/**
 * The portal's settings, parsed from the environment at start with the platform's helpers, so a
 * bad value stops the start with one line naming the variable.
 */
import { ConfigError, type Env, integer, text } from '../platform/config/config.js';

export interface CodeMatcher {
  /** undefined: any system. */
  system: string | undefined;
  code: string;
}

export interface PortalSettings {
  /** RESULT_RELEASE_DELAY_S: how long after a clinician's release a patient sees a result. */
  resultReleaseDelayS: number;
  /** APPOINTMENT_CHANGE_CUTOFF_S: patients cannot cancel or reschedule closer to the start. */
  appointmentChangeCutoffS: number;
  /** APPOINTMENT_REMINDER_LEAD_S: reminders go out for appointments starting within this time. */
  appointmentReminderLeadS: number;
  /** CLINICIAN_MANAGED_APPOINTMENT_TYPES: appointmentType codes patients cannot change online. */
  clinicianManagedTypes: CodeMatcher[];
  /**
   * APPOINTMENT_WEEKDAY_ONLY_TYPES: appointmentType codes of outpatient clinics, which do not run at
   * weekends: a patient is offered, and may move to, weekday slots only. "none" for no such type.
   */
  weekdayOnlyTypes: CodeMatcher[];
  /**
   * EPR_MLLP_URL is set: a patient's change to an appointment the hospital's EPR booked is sent to
   * the EPR. Unset, such a change is refused (the portal could not tell the hospital).
   */
  eprLinked: boolean;
}

const APPOINTMENT_TYPES = 'http://terminology.hl7.org/CodeSystem/v2-0276';
/** Planned outpatient appointments (HL7 v2 table 0276); walk-in and emergency ones are not. */
export const OUTPATIENT_APPOINTMENT_TYPES: CodeMatcher[] = ['ROUTINE', 'FOLLOWUP', 'CHECKUP'].map((code) => ({
  system: APPOINTMENT_TYPES,
  code,
}));

const DAY_S = 86_400;

export function loadPortalSettings(env: Env): PortalSettings {
  return {
    resultReleaseDelayS: integer(env, 'RESULT_RELEASE_DELAY_S', DAY_S, 0, 30 * DAY_S),
    appointmentChangeCutoffS: integer(env, 'APPOINTMENT_CHANGE_CUTOFF_S', DAY_S, 0, 30 * DAY_S),
    appointmentReminderLeadS: integer(env, 'APPOINTMENT_REMINDER_LEAD_S', 2 * DAY_S, 3600, 14 * DAY_S),
    clinicianManagedTypes: codeList(env, 'CLINICIAN_MANAGED_APPOINTMENT_TYPES'),
    weekdayOnlyTypes:
      text(env, 'APPOINTMENT_WEEKDAY_ONLY_TYPES')?.trim().toLowerCase() === 'none'
        ? []
        : text(env, 'APPOINTMENT_WEEKDAY_ONLY_TYPES') === undefined
          ? OUTPATIENT_APPOINTMENT_TYPES
          : codeList(env, 'APPOINTMENT_WEEKDAY_ONLY_TYPES'),
    eprLinked: text(env, 'EPR_MLLP_URL') !== undefined,
  };
}

const CODE = /^[^\s|,]{1,100}$/;

/** Comma-separated `code` or `system|code` tokens. */
function codeList(env: Env, name: string): CodeMatcher[] {
  const raw = text(env, name);
  if (raw === undefined) return [];
  return raw.split(',').map((item) => {
    const token = item.trim();
    const [first = '', second, ...rest] = token.split('|');
    const system = second === undefined ? undefined : first;
    const code = second === undefined ? first : second;
    if (rest.length > 0 || !CODE.test(code) || (system !== undefined && !CODE.test(system))) {
      throw new ConfigError(name, `must be a comma-separated list of code or system|code, got "${token}"`);
    }
    return { system, code };
  });
}
