/**
 * SMS and email consent per patient: the `notification-preferences` service the portal's
 * preferences page calls. A patient who has never said otherwise gets both (service messages
 * about their own care); withdrawing one sends everything by the other, and withdrawing both
 * sends every notification to the service-desk worklist rather than dropping it.
 */
import type { Queryable } from '../platform/database/database.js';
import { invalid } from '../platform/errors/problem.js';
import type { Consent } from './planner.js';
import { PATIENT_REFERENCE } from './triggers.js';

export type NotificationPreferences = Consent;

export interface NotificationPreferencesService {
  get(q: Queryable, patient: string): Promise<NotificationPreferences>;
  /** Changes the given flags (the others stay) in the caller's transaction; returns the result. */
  set(
    tx: Queryable,
    patient: string,
    change: { smsConsent?: boolean; emailConsent?: boolean },
  ): Promise<NotificationPreferences>;
  /**
   * A record merged into another (HAZ-MERGE): the survivor keeps what the patient said on either
   * record (mergedConsent) and the retired record's row goes, in the merge's transaction.
   */
  followMerge(tx: Queryable, merge: { retired: string; survivor: string }): Promise<void>;
}

export const DEFAULT_PREFERENCES: Readonly<NotificationPreferences> = Object.freeze({
  smsConsent: true,
  emailConsent: true,
});

/**
 * The consent of two records of one person: a record never asked (undefined) takes the other's;
 * where both said something, a withdrawal on either stands (the patient said no to that channel).
 */
export function mergedConsent(
  retired: NotificationPreferences | undefined,
  survivor: NotificationPreferences | undefined,
): NotificationPreferences | undefined {
  if (!retired) return survivor;
  if (!survivor) return retired;
  return {
    smsConsent: retired.smsConsent && survivor.smsConsent,
    emailConsent: retired.emailConsent && survivor.emailConsent,
  };
}

function checkPatient(patient: string): void {
  if (typeof patient !== 'string' || !PATIENT_REFERENCE.test(patient)) {
    throw invalid('patient must be a reference Patient/<id>', 'patient');
  }
}

export function createPreferences(now: () => Date): NotificationPreferencesService {
  const service: NotificationPreferencesService = {
    async get(q, patient) {
      checkPatient(patient);
      const result = await q.query<{ sms_consent: boolean; email_consent: boolean }>(
        'SELECT sms_consent, email_consent FROM notification_preference WHERE patient = $1',
        [patient],
      );
      const row = result.rows[0];
      return row
        ? { smsConsent: row.sms_consent, emailConsent: row.email_consent }
        : { ...DEFAULT_PREFERENCES };
    },
    async set(tx, patient, change) {
      checkPatient(patient);
      for (const key of ['smsConsent', 'emailConsent'] as const) {
        if (change[key] !== undefined && typeof change[key] !== 'boolean') {
          throw invalid(`${key} must be true or false`, key);
        }
      }
      const result = await tx.query<{ sms_consent: boolean; email_consent: boolean }>(
        `INSERT INTO notification_preference (patient, sms_consent, email_consent, updated_at)
         VALUES ($1, COALESCE($2::boolean, $4::boolean), COALESCE($3::boolean, $5::boolean), $6)
         ON CONFLICT (patient) DO UPDATE SET
           sms_consent = COALESCE($2::boolean, notification_preference.sms_consent),
           email_consent = COALESCE($3::boolean, notification_preference.email_consent),
           updated_at = $6
         RETURNING sms_consent, email_consent`,
        [
          patient,
          change.smsConsent ?? null,
          change.emailConsent ?? null,
          DEFAULT_PREFERENCES.smsConsent,
          DEFAULT_PREFERENCES.emailConsent,
          now(),
        ],
      );
      const row = result.rows[0]!;
      return { smsConsent: row.sms_consent, emailConsent: row.email_consent };
    },
    async followMerge(tx, merge) {
      checkPatient(merge.retired);
      checkPatient(merge.survivor);
      const rows = await tx.query<{ patient: string; sms_consent: boolean; email_consent: boolean }>(
        'SELECT patient, sms_consent, email_consent FROM notification_preference WHERE patient = ANY($1::text[]) FOR UPDATE',
        [[merge.retired, merge.survivor]],
      );
      const of = (patient: string) => {
        const row = rows.rows.find((r) => r.patient === patient);
        return row ? { smsConsent: row.sms_consent, emailConsent: row.email_consent } : undefined;
      };
      const merged = mergedConsent(of(merge.retired), of(merge.survivor));
      if (!merged || !of(merge.retired)) return;
      await service.set(tx, merge.survivor, merged);
      await tx.query('DELETE FROM notification_preference WHERE patient = $1', [merge.retired]);
    },
  };
  return service;
}
