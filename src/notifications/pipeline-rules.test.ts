/**
 * Consent, quiet hours (on a movable clock), not-before, idempotency, merges, the safety-net
 * sweep and one-time codes, through the real pipeline and the fake Notify server.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../test/databases.js';
import {
  type Harness,
  middayToday,
  startHarness,
  telecom,
} from '../../test/support/notifications/harness.js';
import { sleep, waitFor } from '../../test/support/platform/wait.js';
import type { NotificationPreferencesService } from './preferences.js';
import { ProviderError } from './provider.js';
import type { NotificationsService } from './service.js';
import { NOTIFICATION_PREFERENCES_SERVICE, NOTIFICATIONS_SERVICE } from './services.js';

describe.each(databaseKinds)('notification rules on %s', (kind) => {
  let h: Harness;
  let preferences: NotificationPreferencesService;
  let service: NotificationsService;
  beforeAll(async () => {
    h = await startHarness(kind);
    preferences = h.services.get(NOTIFICATION_PREFERENCES_SERVICE);
    service = h.services.get(NOTIFICATIONS_SERVICE);
  });
  afterAll(() => h?.close());
  beforeEach(() => {
    h.clock.setTo(middayToday());
    h.notify.setMode('normal');
  });

  const sentTo = (to: string) => h.notify.messages().filter((message) => message.to === to);
  const reminder = (patient: string) =>
    h.emit('appointment-reminder-due', {
      patient,
      appointment: 'Appointment/a1',
      start: '2026-09-30T09:30:00Z',
    });

  describe('consent', () => {
    it('defaults to both channels and remembers changes per flag', async () => {
      const patient = `Patient/${randomUUID()}`;
      expect(await preferences.get(h.database.db, patient)).toEqual({ smsConsent: true, emailConsent: true });
      await h.database.db.transaction((tx) => preferences.set(tx, patient, { smsConsent: false }));
      expect(await preferences.get(h.database.db, patient)).toEqual({
        smsConsent: false,
        emailConsent: true,
      });
      const both = await h.database.db.transaction((tx) =>
        preferences.set(tx, patient, { emailConsent: false }),
      );
      expect(both).toEqual({ smsConsent: false, emailConsent: false });
      await expect(
        h.database.db.transaction((tx) => preferences.set(tx, 'Practitioner/1', {})),
      ).rejects.toMatchObject({
        code: 'INVALID_VALUE',
      });
      await expect(
        h.database.db.transaction((tx) =>
          preferences.set(tx, patient, { smsConsent: 'yes' as unknown as boolean }),
        ),
      ).rejects.toMatchObject({ code: 'INVALID_VALUE' });
    });

    it('sends no SMS without SMS consent: email instead', async () => {
      const mobile = '07700 900301';
      const patient = await h.patient(telecom({ mobile, email: 'no-sms-consent@example.com' }));
      await h.database.db.transaction((tx) => preferences.set(tx, patient, { smsConsent: false }));
      const row = await h.finished((await h.notificationOf(await reminder(patient))).id);
      expect(row).toMatchObject({ state: 'delivered', channel: 'email' });
      expect(sentTo(mobile)).toEqual([]);
      expect(sentTo('no-sms-consent@example.com')[0]?.body).toContain(
        'Wednesday 30 September 2026 at 10:30am',
      );
    });

    it('sends nothing without any consent, and puts it on the worklist', async () => {
      const mobile = '07700 900302';
      const patient = await h.patient(telecom({ mobile, email: 'no-consent@example.com' }));
      await h.database.db.transaction((tx) =>
        preferences.set(tx, patient, { smsConsent: false, emailConsent: false }),
      );
      const row = await h.finished((await h.notificationOf(await reminder(patient))).id);
      expect(row.state).toBe('worklist');
      expect((await h.worklistItem(row.id))?.reason).toBe(
        'SMS: the patient has not consented to SMS; email: the patient has not consented to email',
      );
      expect([...sentTo(mobile), ...sentTo('no-consent@example.com')]).toEqual([]);
    });
  });

  describe('quiet hours', () => {
    it('holds an SMS triggered at 22:30 London time until 08:00, then sends it', async () => {
      h.clock.setTo('2026-07-14T21:30:00Z'); // 22:30 BST
      const mobile = '07700 900303';
      const patient = await h.patient(telecom({ mobile, email: 'quiet@example.com' }));
      const row = await h.notificationOf(await reminder(patient));
      await waitForAttempt(h, row.id, 'quiet-hours');
      const held = await h.reload(row.id);
      expect(held).toMatchObject({ state: 'pending', channel: 'sms' });
      expect(held.nextAttemptAt.toISOString()).toBe('2026-07-15T07:00:00.000Z'); // 08:00 BST
      expect(await h.notifications.sweep()).toBe(0); // not due yet
      await sleep(100);
      expect(sentTo(mobile)).toEqual([]);
      expect(sentTo('quiet@example.com')).toEqual([]); // held, not diverted to email

      h.clock.setTo('2026-07-15T07:00:01Z');
      expect(await h.notifications.sweep()).toBe(1);
      const done = await h.finished(row.id);
      expect(done).toMatchObject({ state: 'delivered', channel: 'sms' });
      const accepted = (await h.attempts(row.id)).find((attempt) => attempt.outcome === 'accepted');
      expect(accepted?.at.getTime()).toBeGreaterThanOrEqual(Date.parse('2026-07-15T07:00:00Z'));
      expect(sentTo(mobile)).toHaveLength(1);
    });

    it('sends email at night without waiting', async () => {
      h.clock.setTo('2026-01-14T23:15:00Z');
      const patient = await h.patient(telecom({ email: 'night-owl@example.com' }));
      const row = await h.finished((await h.notificationOf(await reminder(patient))).id);
      expect(row).toMatchObject({ state: 'delivered', channel: 'email' });
    });

    it('sends a one-time sign-in code at once, even at night', async () => {
      h.clock.setTo('2026-01-14T23:15:00Z');
      const { id } = await service.sendNow({
        channel: 'sms',
        to: '07700 900304',
        template: 'sign-in-code',
        personalisation: { code: '482913' },
      });
      const [message] = sentTo('07700 900304');
      expect(message).toMatchObject({
        id,
        body: '482913 is your Pathways sign-in code. Do not share it with anyone.',
      });
    });
  });

  it('announces a result only once it is visible (HAZ-EARLY-RESULT)', async () => {
    const mobile = '07700 900305';
    const patient = await h.patient(telecom({ mobile }));
    const visibleFrom = new Date(h.clock.now().getTime() + 3_600_000).toISOString();
    const row = await h.notificationOf(
      await h.emit('result-released', { patient, report: 'DiagnosticReport/r2', visibleFrom }),
    );
    expect(row.notBefore.toISOString()).toBe(visibleFrom);
    await sleep(200);
    expect(await h.notifications.sweep()).toBe(0);
    expect(sentTo(mobile)).toEqual([]);
    expect((await h.reload(row.id)).state).toBe('pending');
    h.clock.advance(3_600_000 + 1000);
    expect(await h.notifications.sweep()).toBe(1);
    expect((await h.finished(row.id)).state).toBe('delivered');
    expect(sentTo(mobile)).toHaveLength(1);
  });

  it('gives one message for one event, however often it arrives', async () => {
    const mobile = '07700 900306';
    const patient = await h.patient(telecom({ mobile }));
    const id = randomUUID();
    const payload = { patient, task: 'Task/t1', outcome: 'completed' };
    const first = await h.emit('repeat-request-completed', payload, id);
    await h.emit('repeat-request-completed', payload, id);
    const row = await h.notificationOf(first);
    // The same event handed to the pipeline again (a redelivery) changes nothing either.
    const again = await h.database.db.transaction((tx) =>
      service.enqueue(tx, {
        patient,
        template: 'repeat-request-approved',
        personalisation: {},
        dedupeKey: `event:${id}`,
      }),
    );
    expect(again).toEqual({ id: row.id, created: false });
    expect((await h.finished(row.id)).state).toBe('delivered');
    await sleep(200);
    expect(sentTo(mobile)).toHaveLength(1);
    const rows = await h.database.db.query('SELECT id FROM notification WHERE patient = $1', [patient]);
    expect(rows.rowCount).toBe(1);
  });

  it('lets other capabilities enqueue in their own transaction: nothing if it rolls back', async () => {
    const mobile = '07700 900307';
    const patient = await h.patient(telecom({ mobile }));
    const dedupeKey = `test:${randomUUID()}`;
    await expect(
      h.database.db.transaction(async (tx) => {
        await service.enqueue(tx, {
          patient,
          template: 'appointment-booked',
          personalisation: { when: 'Friday', portalUrl: 'x' },
          dedupeKey,
        });
        throw new Error('the caller fails');
      }),
    ).rejects.toThrow('the caller fails');
    const { id, created } = await h.database.db.transaction((tx) =>
      service.enqueue(tx, {
        patient,
        template: 'appointment-booked',
        personalisation: { when: 'Friday 2 October 2026 at 9am', portalUrl: 'http://pathways.test' },
        dedupeKey,
      }),
    );
    expect(created).toBe(true);
    expect((await h.finished(id)).state).toBe('delivered');
    expect(sentTo(mobile).map((message) => message.body)).toEqual([
      'Your hospital appointment is booked for Friday 2 October 2026 at 9am. For details or to change it, sign in at http://pathways.test',
    ]);
    await expect(
      h.database.db.transaction((tx) =>
        service.enqueue(tx, {
          patient,
          template: 'sign-in-code' as never,
          personalisation: {},
          dedupeKey: 'x',
        }),
      ),
    ).rejects.toThrow(TypeError);
  });

  it("uses the surviving record's contact details after a merge (HAZ-MERGE)", async () => {
    const survivor = await h.patient(telecom({ mobile: '07700 900308' }));
    const retired = await h.patient(telecom({ mobile: '07700 900309' }), {
      active: false,
      link: [{ type: 'replaced-by', other: { reference: survivor } }],
    });
    const row = await h.finished((await h.notificationOf(await reminder(retired))).id);
    expect(row.state).toBe('delivered');
    expect(sentTo('07700 900308')).toHaveLength(1);
    expect(sentTo('07700 900309')).toEqual([]);
  });

  it('never messages a deceased patient: the worklist instead', async () => {
    const patient = await h.patient(telecom({ mobile: '07700 900310' }), { deceasedBoolean: true });
    const row = await h.finished((await h.notificationOf(await reminder(patient))).id);
    expect(row.state).toBe('worklist');
    expect(sentTo('07700 900310')).toEqual([]);
  });

  it('re-enqueues a notification whose job was lost (the safety net)', async () => {
    h.notify.setMode('error-500');
    const patient = await h.patient(telecom({ mobile: '07700 900311' }));
    const row = await h.notificationOf(await reminder(patient));
    await waitForAttempt(h, row.id, 'refused-temporary');
    // Lose the job: the row now points at a job that does not exist.
    await h.database.db.query('UPDATE notification SET job_id = $2 WHERE id = $1', [row.id, randomUUID()]);
    h.notify.setMode('normal');
    await sleep(150);
    expect((await h.reload(row.id)).state).toBe('pending');
    expect(await h.notifications.sweep()).toBe(1);
    expect((await h.finished(row.id)).state).toBe('delivered');
  });

  describe('one-time codes', () => {
    it('refuses clearly, permanent for a bad number and temporary for a provider fault', async () => {
      const bad = service.sendNow({
        channel: 'sms',
        to: '01632 960000',
        template: 'verify-contact',
        personalisation: { code: '1' },
      });
      await expect(bad).rejects.toBeInstanceOf(ProviderError);
      await expect(bad).rejects.toMatchObject({
        kind: 'permanent',
        message:
          'The text message could not be sent (permanent): Notify answered 400: ValidationError: phone_number Not a UK mobile number',
      });
      h.notify.setMode('error-500');
      await expect(
        service.sendNow({
          channel: 'email',
          to: 'code@example.com',
          template: 'verify-contact',
          personalisation: { code: '1' },
        }),
      ).rejects.toMatchObject({ kind: 'temporary' });
    });

    it('refuses templates and personalisation it is not for', async () => {
      await expect(
        service.sendNow({
          channel: 'sms',
          to: '07700900123',
          template: 'result-available' as never,
          personalisation: {},
        }),
      ).rejects.toThrow(TypeError);
      await expect(
        service.sendNow({ channel: 'sms', to: '07700900123', template: 'sign-in-code', personalisation: {} }),
      ).rejects.toThrow('Missing personalisation: code');
    });
  });
});

async function waitForAttempt(h: Harness, id: string, outcome: string): Promise<void> {
  await waitFor(
    async () => (await h.attempts(id)).some((attempt) => attempt.outcome === outcome),
    `attempt ${outcome}`,
  );
}
