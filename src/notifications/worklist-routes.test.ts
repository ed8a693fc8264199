/**
 * The service-desk worklist and the recorded messages, through the whole service in-process:
 * least privilege (401 without a token, 403 for every other role), resolve with a note (audited),
 * 404 and 409, and the worklist gauge on /metrics.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/app.js';
import { databaseKinds } from '../../test/databases.js';
import { waitFor } from '../../test/support/platform/wait.js';
import { createResource } from '../platform/fhir/store/repository.js';
import { emit } from '../platform/outbox/outbox.js';
import { FakeNotifyServer } from './fake-notify/server.js';
import { NOTIFICATION_PREFERENCES_SERVICE, NOTIFICATIONS_SERVICE } from './services.js';

const FAST = {
  NOTIFICATIONS_ATTEMPTS: '2',
  NOTIFICATIONS_RETRY_DELAY_MS: '10',
  NOTIFICATIONS_RETRY_MAX_DELAY_MS: '20',
  NOTIFICATIONS_POLL_DELAY_MS: '20',
};

async function undeliverable(t: TestApp): Promise<{ patient: string; itemId: string }> {
  const id = randomUUID();
  const db = t.pathways.db;
  // No telecom at all: the pipeline can only hand it to a person.
  await db.transaction((tx) =>
    createResource(
      tx,
      { resourceType: 'Patient', name: [{ family: 'Unreachable', given: ['Pat'] }], birthDate: '1950-02-03' },
      { id },
    ),
  );
  const patient = `Patient/${id}`;
  await db.transaction((tx) =>
    emit(tx, {
      type: 'result-released',
      // A synthetic event (no visibleFrom): the `test.` key keeps it out of the catalogue check.
      key: `test.DiagnosticReport/${id}`,
      payload: { patient, report: `DiagnosticReport/${id}` },
    }),
  );
  let itemId: string | undefined;
  await waitFor(async () => {
    const found = await db.query<{ id: string }>('SELECT id FROM notification_worklist WHERE patient = $1', [
      patient,
    ]);
    itemId = found.rows[0]?.id;
    return itemId !== undefined;
  }, 'the worklist item');
  return { patient, itemId: itemId! };
}

describe.each(databaseKinds)('notification worklist API on %s', (kind) => {
  const notify = new FakeNotifyServer({ settleAfterMs: 10 });
  let t: TestApp;
  beforeAll(async () => {
    await notify.start();
    t = await startTestApp(kind, { NOTIFY_BASE_URL: notify.url, NOTIFY_API_KEY: notify.apiKey, ...FAST });
  });
  afterAll(async () => {
    await t?.close();
    await notify.stop();
  });

  const desk = async () => ({ authorization: await t.bearer({ roles: ['service-desk'] }) });
  const list = async (headers: Record<string, string>) =>
    t.pathways.app.inject({ method: 'GET', url: '/admin/notifications/worklist', headers });
  const resolve = async (id: string, body: unknown, headers: Record<string, string>) =>
    t.pathways.app.inject({
      method: 'POST',
      url: `/admin/notifications/worklist/${id}/resolve`,
      headers: { ...headers, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });

  it('provides the notifications and notification-preferences services', () => {
    expect(typeof t.pathways.services.get(NOTIFICATIONS_SERVICE).sendNow).toBe('function');
    expect(t.pathways.services.has(NOTIFICATION_PREFERENCES_SERVICE)).toBe(true);
  });

  it('lists open items for the service desk and admins', async () => {
    const { patient, itemId } = await undeliverable(t);
    for (const roles of [['service-desk'], ['admin']] as const) {
      const response = await list({ authorization: await t.bearer({ roles: [...roles] }) });
      expect(response.statusCode).toBe(200);
      const body = response.json();
      expect(body.total).toBeGreaterThanOrEqual(1);
      expect(body.items).toContainEqual({
        id: itemId,
        notificationId: expect.any(String),
        patient,
        // Who to look for when contacting them another way.
        patientName: 'Pat Unreachable',
        birthDate: '1950-02-03',
        template: 'result-available',
        channelsTried: [],
        reason: 'SMS: no mobile number on the patient record; email: no email address on the patient record',
        created: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
    }
    expect((await list(await desk())).statusCode).toBe(200);
    const limited = await t.pathways.app.inject({
      method: 'GET',
      url: '/admin/notifications/worklist?limit=0',
      headers: await desk(),
    });
    expect(limited.statusCode).toBe(400);
    expect(limited.json().issue[0].details.coding[0].code).toBe('INVALID_VALUE');
  });

  it('refuses callers without a token (401) and every other role (403), including patients', async () => {
    const { itemId } = await undeliverable(t);
    expect((await list({})).statusCode).toBe(401);
    const others = [
      { roles: ['patient' as const], fhirUser: 'Patient/someone' },
      { roles: ['clinician' as const], org: 'RR8' },
      { roles: ['dispenser' as const], org: 'FCG71' },
      { roles: ['prescriber' as const], org: 'A83008' },
      { roles: ['registrar' as const] },
    ];
    for (const caller of others) {
      const headers = { authorization: await t.bearer(caller) };
      const listed = await list(headers);
      expect(listed.statusCode, caller.roles[0]).toBe(403);
      expect(listed.json().issue[0].details.coding[0].code).toBe('FORBIDDEN');
      expect((await resolve(itemId, { note: 'phoned' }, headers)).statusCode).toBe(403);
    }
    const item = await t.pathways.db.query<{ resolved_at: unknown }>(
      'SELECT resolved_at FROM notification_worklist WHERE id = $1',
      [itemId],
    );
    expect(item.rows[0]?.resolved_at).toBeNull();
  });

  it('resolves an item with a note (audited, with its patient), once', async () => {
    const { patient, itemId } = await undeliverable(t);
    const missingNote = await resolve(itemId, {}, await desk());
    expect(missingNote.statusCode).toBe(400);
    expect(missingNote.json().issue[0].details.coding[0].code).toBe('MISSING_VALUE');
    expect((await resolve(itemId, { note: 42 }, await desk())).json().issue[0].details.coding[0].code).toBe(
      'INVALID_VALUE',
    );
    expect((await resolve(itemId, { note: 'x'.repeat(2001) }, await desk())).statusCode).toBe(400);

    const done = await resolve(
      itemId,
      { note: 'Phoned the patient and told them about the result' },
      await desk(),
    );
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({
      id: itemId,
      patient,
      note: 'Phoned the patient and told them about the result',
      resolved: expect.any(String),
      resolvedBy: 'account:test-service-desk',
    });
    const again = await resolve(itemId, { note: 'again' }, await desk());
    expect(again.statusCode).toBe(409);
    expect(again.json().issue[0].details.coding[0].code).toBe('CONFLICT');
    expect((await list(await desk())).json().items.map((item: { id: string }) => item.id)).not.toContain(
      itemId,
    );

    await t.pathways.audit.flush();
    const audited = await t.pathways.db.query<{ content: string }>(
      'SELECT content FROM audit_event WHERE patient = $1 AND content LIKE $2',
      [patient, `%worklist item ${itemId} resolved%`],
    );
    expect(audited.rowCount).toBe(1);
    expect(audited.rows[0]!.content).not.toContain('Phoned the patient');
  });

  it('answers 404 for an unknown or malformed item id, changing nothing', async () => {
    expect((await resolve(randomUUID(), { note: 'x' }, await desk())).statusCode).toBe(404);
    const malformed = await resolve('not-an-id', { note: 'x' }, await desk());
    expect(malformed.statusCode).toBe(404);
    expect(malformed.json().issue[0].details.coding[0].code).toBe('NOT_FOUND');
  });

  it('exports the open worklist size on /metrics', async () => {
    const open = await t.pathways.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM notification_worklist WHERE resolved_at IS NULL',
    );
    const expected = `pathways_notification_worklist_open ${open.rows[0]!.n}`;
    let body = '';
    // A scrape may see the previous second's snapshot; the next one has the current count.
    await waitFor(async () => {
      body = (await t.pathways.metricsApp.inject({ method: 'GET', url: '/metrics' })).body;
      return body.includes(expected);
    }, 'the worklist gauge');
    expect(body).toContain('pathways_notifications_finished_total{outcome="worklist",channel="none"}');
  });

  it('serves recorded messages only with the recording provider', async () => {
    const response = await t.pathways.app.inject({
      method: 'GET',
      url: '/admin/notifications/recorded',
      headers: await desk(),
    });
    expect(response.statusCode).toBe(404);
  });
});

describe.each(databaseKinds)('recorded messages API on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind, FAST);
  });
  afterAll(() => t?.close());

  it('shows the service desk what the recording provider would have sent, and no one else', async () => {
    const service = t.pathways.services.get(NOTIFICATIONS_SERVICE);
    await service.sendNow({
      channel: 'sms',
      to: '07700 900501',
      template: 'verify-contact',
      personalisation: { code: '2468' },
    });
    const response = await t.pathways.app.inject({
      method: 'GET',
      url: '/admin/notifications/recorded',
      headers: { authorization: await t.bearer({ roles: ['service-desk'] }) },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().messages[0]).toMatchObject({
      channel: 'sms',
      recipient: '07700 900501',
      template: 'verify-contact',
      body: '2468 is your code to confirm this number for Pathways. If you did not ask for it, ignore this message.',
    });
    const patient = await t.pathways.app.inject({
      method: 'GET',
      url: '/admin/notifications/recorded',
      headers: { authorization: await t.bearer({ roles: ['patient'], fhirUser: 'Patient/x' }) },
    });
    expect(patient.statusCode).toBe(403);
    expect(
      (await t.pathways.app.inject({ method: 'GET', url: '/admin/notifications/recorded' })).statusCode,
    ).toBe(401);
  });
});
