/**
 * HAZ-SILENT-NOTIFY: every path of the delivery pipeline ends delivered or on the worklist. Real
 * outbox, jobs and database; the real Notify client over HTTP to the fake Notify server.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../test/databases.js';
import {
  counterValue,
  type Harness,
  startHarness,
  telecom,
} from '../../test/support/notifications/harness.js';
import { NOTIFY_TEST_RECIPIENTS } from './fake-notify/test-recipients.js';

const MOBILE = '07700 900123';
const EMAIL = 'alex@example.com';

describe.each(databaseKinds)('notification delivery on %s', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(kind);
  });
  afterAll(() => h?.close());
  beforeEach(async () => {
    h.notify.setMode('normal');
    h.notify.failNext(0);
    await h.notify.acceptConnections();
  });

  const sentTo = (to: string) => h.notify.messages().filter((message) => message.to === to);
  const resultReleased = (patient: string) =>
    h.emit('result-released', {
      patient,
      report: 'DiagnosticReport/r1',
      visibleFrom: '2020-01-01T00:00:00Z',
    });

  it('delivers by SMS when there is a mobile number (and nothing by email)', async () => {
    const patient = await h.patient(telecom({ mobile: MOBILE, email: 'sms-first@example.com' }));
    const row = await h.finished((await h.notificationOf(await resultReleased(patient))).id);
    expect(row).toMatchObject({ state: 'delivered', channel: 'sms', patient, template: 'result-available' });
    const [message] = sentTo(MOBILE);
    expect(message).toMatchObject({
      type: 'sms',
      reference: row.id,
      body: 'You have a new test result in the patient portal. Sign in to see it at http://pathways.test',
    });
    expect(sentTo('sms-first@example.com')).toEqual([]);
    expect((await h.attempts(row.id)).map((a) => `${a.channel}:${a.outcome}`)).toEqual([
      'sms:accepted',
      'sms:delivered',
    ]);
    expect(
      await counterValue(h.metrics, 'pathways_notifications_finished_total', {
        outcome: 'delivered',
        channel: 'sms',
      }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('retries an SMS after a temporary failure (500) and delivers it', async () => {
    const mobile = '07700 900201';
    const patient = await h.patient(telecom({ mobile, email: EMAIL }));
    h.notify.failNext(1, 500);
    const row = await h.finished((await h.notificationOf(await resultReleased(patient))).id);
    expect(row).toMatchObject({ state: 'delivered', channel: 'sms' });
    expect((await h.attempts(row.id)).map((a) => a.outcome)).toEqual([
      'refused-temporary',
      'accepted',
      'delivered',
    ]);
    expect(sentTo(mobile)).toHaveLength(1);
  });

  it('falls back to email when the SMS fails permanently after being accepted', async () => {
    const email = 'after-sms-perm@example.com';
    const patient = await h.patient(telecom({ mobile: NOTIFY_TEST_RECIPIENTS.sms.permanentFailure, email }));
    const row = await h.finished((await h.notificationOf(await resultReleased(patient))).id);
    expect(row).toMatchObject({ state: 'delivered', channel: 'email' });
    expect((await h.attempts(row.id)).map((a) => `${a.channel}:${a.outcome}`)).toEqual([
      'sms:accepted',
      'sms:permanent-failure',
      'email:accepted',
      'email:delivered',
    ]);
    expect(sentTo(email)[0]).toMatchObject({ type: 'email', subject: 'You have a new test result' });
  });

  it('falls back to email when Notify refuses the number (400 not a UK mobile)', async () => {
    const email = 'landline@example.com';
    const patient = await h.patient(telecom({ mobile: '01632 960000', email }));
    const row = await h.finished((await h.notificationOf(await resultReleased(patient))).id);
    expect(row).toMatchObject({ state: 'delivered', channel: 'email' });
    const attempts = await h.attempts(row.id);
    expect(attempts[0]).toMatchObject({
      channel: 'sms',
      outcome: 'refused-permanent',
      detail: 'Notify answered 400: ValidationError: phone_number Not a UK mobile number',
    });
    expect(sentTo(email)).toHaveLength(1);
  });

  it('sends by email when there is no mobile number', async () => {
    const email = 'no-mobile@example.com';
    const patient = await h.patient([
      ...telecom({ email }),
      { system: 'phone', use: 'home', value: '01632 960001' },
    ]);
    const row = await h.finished((await h.notificationOf(await resultReleased(patient))).id);
    expect(row).toMatchObject({ state: 'delivered', channel: 'email', failed: [] });
    expect((await h.attempts(row.id)).map((a) => `${a.channel}:${a.outcome}`)).toEqual([
      'email:accepted',
      'email:delivered',
    ]);
  });

  it('retries an SMS that ends temporary-failure, then after 5 attempts falls back to email', async () => {
    const email = 'after-sms-temp@example.com';
    const patient = await h.patient(telecom({ mobile: NOTIFY_TEST_RECIPIENTS.sms.temporaryFailure, email }));
    const row = await h.finished((await h.notificationOf(await resultReleased(patient))).id);
    expect(row).toMatchObject({ state: 'delivered', channel: 'email' });
    const sms = (await h.attempts(row.id)).filter((a) => a.channel === 'sms').map((a) => a.outcome);
    expect(sms).toEqual(Array.from({ length: 5 }, () => ['accepted', 'temporary-failure']).flat());
    expect(sentTo(NOTIFY_TEST_RECIPIENTS.sms.temporaryFailure)).toHaveLength(5);
  });

  it('puts it on the worklist when the email fails permanently and there is no mobile', async () => {
    const patient = await h.patient(telecom({ email: NOTIFY_TEST_RECIPIENTS.email.permanentFailure }));
    const before = await counterValue(h.metrics, 'pathways_clinical_safety_events_total', {
      hazard: 'HAZ-SILENT-NOTIFY',
    });
    const row = await h.finished((await h.notificationOf(await resultReleased(patient))).id);
    expect(row.state).toBe('worklist');
    expect(await h.worklistItem(row.id)).toMatchObject({
      patient,
      template: 'result-available',
      channelsTried: ['email'],
      reason:
        'SMS: no mobile number on the patient record; email: permanent-failure reported by the provider',
      resolved: null,
    });
    expect(
      await counterValue(h.metrics, 'pathways_clinical_safety_events_total', { hazard: 'HAZ-SILENT-NOTIFY' }),
    ).toBe(before + 1);
  });

  it('when the provider is down past the retry budget: 5 SMS tries, 5 email tries, then the worklist', async () => {
    const mobile = '07700 900202';
    const patient = await h.patient(telecom({ mobile, email: 'down@example.com' }));
    await h.notify.refuseConnections();
    const row = await h.finished((await h.notificationOf(await resultReleased(patient))).id);
    await h.notify.acceptConnections();
    expect(row.state).toBe('worklist');
    const attempts = await h.attempts(row.id);
    expect(attempts.map((a) => `${a.channel}:${a.outcome}`)).toEqual([
      ...Array.from({ length: 5 }, () => 'sms:refused-temporary'),
      ...Array.from({ length: 5 }, () => 'email:refused-temporary'),
    ]);
    // The first try may go out on a keep-alive socket the client pooled before the fake stopped
    // listening, and see it reset rather than refused (a busy event loop has not yet noticed the
    // close); a real Notify going down does the same. Either is "unreachable", a temporary failure.
    const unreachable = /^Notify unreachable: (ECONNREFUSED|ECONNRESET)$/;
    for (const attempt of attempts) expect(attempt.detail).toMatch(unreachable);
    expect(await h.worklistItem(row.id)).toMatchObject({
      channelsTried: ['sms', 'email'],
      reason:
        'SMS: Notify unreachable: ECONNREFUSED (5 attempts); email: Notify unreachable: ECONNREFUSED (5 attempts)',
    });
    expect(sentTo(mobile)).toEqual([]);
  });

  it('treats a provider answering 500 for longer than the budget the same way', async () => {
    const patient = await h.patient(telecom({ mobile: '07700 900203', email: 'five-hundred@example.com' }));
    h.notify.setMode('error-500');
    const row = await h.finished((await h.notificationOf(await resultReleased(patient))).id);
    h.notify.setMode('normal');
    expect(row.state).toBe('worklist');
    expect((await h.worklistItem(row.id))?.reason).toBe(
      'SMS: Notify answered 500: Exception: Internal server error (5 attempts); email: Notify answered 500: Exception: Internal server error (5 attempts)',
    );
  });

  it('puts it on the worklist when Notify refuses our key (403), rather than dropping it', async () => {
    const patient = await h.patient(telecom({ mobile: '07700 900204' }));
    const secret = h.notify.key.secret;
    (h.notify.key as { secret: string }).secret = '00000000-0000-4000-8000-000000000000';
    try {
      const row = await h.finished((await h.notificationOf(await resultReleased(patient))).id);
      expect(row.state).toBe('worklist');
      expect((await h.worklistItem(row.id))?.reason).toBe(
        'SMS: refused: Notify answered 403: AuthError: Invalid token: API key not found; email: no email address on the patient record',
      );
    } finally {
      (h.notify.key as { secret: string }).secret = secret;
    }
  });

  it('puts a notification for a patient who is not in the store on the worklist', async () => {
    const row = await h.finished((await h.notificationOf(await resultReleased('Patient/nobody-here'))).id);
    expect(row.state).toBe('worklist');
    expect((await h.worklistItem(row.id))?.reason).toBe('the patient record was not found');
  });

  it('counts messages by channel and outcome, and the open worklist', async () => {
    expect(
      await counterValue(h.metrics, 'pathways_notification_messages_total', {
        channel: 'sms',
        outcome: 'accepted',
      }),
    ).toBeGreaterThan(0);
    expect(
      await counterValue(h.metrics, 'pathways_notification_messages_total', {
        channel: 'email',
        outcome: 'refused-temporary',
      }),
    ).toBeGreaterThan(0);
    const open = await h.database.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM notification_worklist WHERE resolved_at IS NULL',
    );
    const text = await h.metrics.metrics();
    expect(text).toContain(`pathways_notification_worklist_open ${open.rows[0]!.n}`);
  });
});
