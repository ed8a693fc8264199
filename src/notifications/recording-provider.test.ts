/** The default provider: what would have been sent is recorded, rendered, and counts as delivered. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../test/databases.js';
import { type Harness, startHarness, telecom } from '../../test/support/notifications/harness.js';
import { recentRecorded } from './recording-provider.js';
import { NOTIFICATIONS_SERVICE } from './services.js';

describe.each(databaseKinds)('recording provider on %s', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(kind, { provider: 'recording' });
  });
  afterAll(() => h?.close());

  const recorded = async (recipient: string) =>
    (await recentRecorded(h.database.db, 500)).filter((message) => message.recipient === recipient);

  it('is used when NOTIFY_BASE_URL is not set', () => {
    expect(h.notifications.provider.name).toBe('recording');
  });

  it('records the rendered SMS and reports it delivered; nothing reaches Notify', async () => {
    const patient = await h.patient(telecom({ mobile: '07700 900401', email: 'rec@example.com' }));
    const event = await h.emit('prescription-released', { patient, prescriptionId: 'X', pharmacy: 'FCG71' });
    const row = await h.finished((await h.notificationOf(event)).id);
    expect(row).toMatchObject({ state: 'delivered', channel: 'sms' });
    expect(await recorded('07700 900401')).toEqual([
      expect.objectContaining({
        channel: 'sms',
        template: 'prescription-at-pharmacy',
        reference: row.id,
        subject: null,
        body: 'Your pharmacy has your prescription and is getting it ready. See its progress at http://pathways.test',
      }),
    ]);
    expect(h.notify.messages()).toEqual([]);
  });

  it('refuses what Notify would refuse, so the fallback to email happens here too', async () => {
    const patient = await h.patient(telecom({ mobile: '01632 960000', email: 'rec-fallback@example.com' }));
    const event = await h.emit('repeat-request-completed', { patient, task: 'Task/1', outcome: 'rejected' });
    const row = await h.finished((await h.notificationOf(event)).id);
    expect(row).toMatchObject({ state: 'delivered', channel: 'email' });
    const [email] = await recorded('rec-fallback@example.com');
    expect(email).toMatchObject({
      subject: 'Your GP practice has replied to your repeat prescription request',
    });
    expect(email?.body).toContain('Do not reply to this email.');
    expect(await recorded('01632 960000')).toEqual([]);
  });

  it('records one-time codes sent at once', async () => {
    const service = h.services.get(NOTIFICATIONS_SERVICE);
    await service.sendNow({
      channel: 'email',
      to: 'code@example.com',
      template: 'sign-in-code',
      personalisation: { code: '913' },
    });
    const [message] = await recorded('code@example.com');
    expect(message?.body).toContain('Your Pathways sign-in code is 913');
    await expect(
      service.sendNow({
        channel: 'email',
        to: 'not-an-address',
        template: 'sign-in-code',
        personalisation: { code: '1' },
      }),
    ).rejects.toMatchObject({ kind: 'permanent' });
  });
});
