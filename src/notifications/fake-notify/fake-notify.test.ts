/** The fake Notify server, driven by the real notifications-node-client over real HTTP. */
import { SignJWT } from 'jose';
import { NotifyClient } from 'notifications-node-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sleep, waitFor } from '../../../test/support/platform/wait.js';
import { TEMPLATES } from '../templates.js';
import { formatApiKey, newApiKey, parseApiKey } from './api-key.js';
import { FakeNotifyServer } from './server.js';
import { NOTIFY_TEST_RECIPIENTS } from './test-recipients.js';

const SMS = TEMPLATES['result-available'].ids.sms;
const EMAIL = TEMPLATES['result-available'].ids.email;
const personalisation = { portalUrl: 'https://pathways.example' };

interface HttpFailure {
  response?: { status: number; data: { status_code: number; errors: { error: string; message: string }[] } };
  code?: string;
}

async function failure(promise: Promise<unknown>): Promise<HttpFailure> {
  try {
    await promise;
  } catch (error) {
    return error as HttpFailure;
  }
  throw new Error('expected the request to fail');
}

describe('fake GOV.UK Notify server', () => {
  const notify = new FakeNotifyServer({ settleAfterMs: 150 });
  let client: NotifyClient;

  beforeAll(async () => {
    await notify.start();
    client = new NotifyClient(notify.url, notify.apiKey);
  });
  afterAll(() => notify.stop());
  beforeEach(() => {
    notify.setMode('normal');
    notify.failNext(0);
  });

  it('parses and formats API keys as {key_name}-{iss uuid}-{secret uuid}', () => {
    const key = newApiKey('my_test-key');
    expect(parseApiKey(formatApiKey(key))).toEqual(key);
    expect(parseApiKey('no-uuids-here')).toBeUndefined();
  });

  it('accepts a text message (201, Notify response shape), then reports it delivered', async () => {
    const sent = await client.sendSms(SMS, '07700 900123', { personalisation, reference: 'ref-1' });
    expect(sent.status).toBe(201);
    expect(sent.data).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      reference: 'ref-1',
      content: {
        body: 'You have a new test result in the patient portal. Sign in to see it at https://pathways.example',
      },
      uri: `${notify.url}/v2/notifications/${sent.data.id}`,
      template: { id: SMS, version: 1 },
    });
    const first = await client.getNotificationById(sent.data.id);
    expect(first.data).toMatchObject({
      id: sent.data.id,
      type: 'sms',
      status: 'sending',
      phone_number: '07700 900123',
    });
    await waitFor(
      async () => (await client.getNotificationById(sent.data.id)).data.status === 'delivered',
      'delivery',
    );
  });

  it('accepts an email with its subject', async () => {
    const sent = await client.sendEmail(EMAIL, 'alex@example.com', { personalisation, reference: 'ref-2' });
    expect(sent.data.content).toMatchObject({ subject: 'You have a new test result' });
    const got = await client.getNotificationById(sent.data.id);
    expect(got.data).toMatchObject({
      type: 'email',
      email_address: 'alex@example.com',
      subject: 'You have a new test result',
    });
  });

  it("turns Notify's test numbers and addresses into their failures shortly after accepting them", async () => {
    const cases = [
      ['sms', NOTIFY_TEST_RECIPIENTS.sms.temporaryFailure, 'temporary-failure'],
      ['sms', NOTIFY_TEST_RECIPIENTS.sms.permanentFailure, 'permanent-failure'],
      ['email', NOTIFY_TEST_RECIPIENTS.email.temporaryFailure, 'temporary-failure'],
      ['email', NOTIFY_TEST_RECIPIENTS.email.permanentFailure, 'permanent-failure'],
    ] as const;
    const sent = await Promise.all(
      cases.map(([type, to]) =>
        type === 'sms'
          ? client.sendSms(SMS, to, { personalisation })
          : client.sendEmail(EMAIL, to, { personalisation }),
      ),
    );
    for (const response of sent) expect(response.status).toBe(201);
    expect((await client.getNotificationById(sent[0]!.data.id)).data.status).toBe('sending');
    await sleep(200);
    for (const [index, [, , status]] of cases.entries()) {
      expect((await client.getNotificationById(sent[index]!.data.id)).data.status).toBe(status);
    }
  });

  it('refuses what Notify refuses, with its error body {status_code, errors:[{error, message}]}', async () => {
    const landline = await failure(client.sendSms(SMS, '01632 960000', { personalisation }));
    expect(landline.response?.status).toBe(400);
    expect(landline.response?.data).toEqual({
      status_code: 400,
      errors: [{ error: 'ValidationError', message: 'phone_number Not a UK mobile number' }],
    });
    const email = await failure(client.sendEmail(EMAIL, 'not-an-address', { personalisation }));
    expect(email.response?.data.errors[0]).toEqual({
      error: 'ValidationError',
      message: 'email_address Not a valid email address',
    });
    const missing = await failure(client.sendSms(SMS, '07700900123', { personalisation: {} }));
    expect(missing.response?.data.errors[0]).toEqual({
      error: 'BadRequestError',
      message: 'Missing personalisation: portalUrl',
    });
    const template = await failure(
      client.sendSms('6a0f6f0e-9ad4-4c38-8a44-1b6b1a1e5a8e', '07700900123', { personalisation }),
    );
    expect(template.response?.data.errors[0]).toEqual({
      error: 'BadRequestError',
      message: 'Template not found',
    });
    const wrongType = await failure(client.sendSms(EMAIL, '07700900123', { personalisation }));
    expect(wrongType.response?.status).toBe(400);
    const badId = await failure(client.getNotificationById('not-a-uuid'));
    expect(badId.response?.data.errors[0]).toEqual({
      error: 'ValidationError',
      message: 'notification_id is not a valid UUID',
    });
    const unknown = await failure(client.getNotificationById('6a0f6f0e-9ad4-4c38-8a44-1b6b1a1e5a8e'));
    expect(unknown.response?.status).toBe(404);
  });

  it('refuses a wrong secret, another service and a stale or missing iat with 403 AuthError', async () => {
    const wrongSecret = new NotifyClient(
      notify.url,
      formatApiKey({ ...notify.key, secret: newApiKey().secret }),
    );
    const refused = await failure(wrongSecret.sendSms(SMS, '07700900123', { personalisation }));
    expect(refused.response?.status).toBe(403);
    expect(refused.response?.data.errors[0]).toEqual({
      error: 'AuthError',
      message: 'Invalid token: API key not found',
    });

    const otherService = new NotifyClient(
      notify.url,
      formatApiKey({ ...notify.key, serviceId: newApiKey().serviceId }),
    );
    expect(
      (await failure(otherService.sendSms(SMS, '07700900123', { personalisation }))).response?.data.errors[0],
    ).toEqual({
      error: 'AuthError',
      message: 'Invalid token: service not found',
    });

    const secret = new TextEncoder().encode(notify.key.secret);
    const post = (token: string | undefined) =>
      fetch(`${notify.url}/v2/notifications/sms`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token === undefined ? {} : { authorization: token }),
        },
        body: JSON.stringify({ template_id: SMS, phone_number: '07700900123', personalisation }),
      });
    const stale = await new SignJWT({ iss: notify.key.serviceId, iat: Math.floor(Date.now() / 1000) - 31 })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(secret);
    const staleAnswer = await post(`Bearer ${stale}`);
    expect(staleAnswer.status).toBe(403);
    expect(await staleAnswer.json()).toEqual({
      status_code: 403,
      errors: [
        { error: 'AuthError', message: 'Error: Your system clock must be accurate to within 30 seconds' },
      ],
    });
    const future = await new SignJWT({ iss: notify.key.serviceId, iat: Math.floor(Date.now() / 1000) + 60 })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(secret);
    expect((await post(`Bearer ${future}`)).status).toBe(403);
    const noIat = await new SignJWT({ iss: notify.key.serviceId })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(secret);
    const noIatBody = (await (await post(`Bearer ${noIat}`)).json()) as { errors: { message: string }[] };
    expect(noIatBody.errors[0]?.message).toBe('Invalid token: iat field not provided');
    const hs512 = await new SignJWT({ iss: notify.key.serviceId, iat: Math.floor(Date.now() / 1000) })
      .setProtectedHeader({ alg: 'HS512' })
      .sign(new Uint8Array(64));
    expect((await post(`Bearer ${hs512}`)).status).toBe(403);
    expect((await post(undefined)).status).toBe(401);
    expect((await post('Basic abc')).status).toBe(401);
    expect((await post('Bearer not.a.jwt')).status).toBe(403);
  });

  it('can answer 500 or 429, for a few requests or until switched back', async () => {
    notify.failNext(1, 429);
    const limited = await failure(client.sendSms(SMS, '07700900123', { personalisation }));
    expect(limited.response?.status).toBe(429);
    expect(limited.response?.data.errors[0]?.error).toBe('RateLimitError');
    expect((await client.sendSms(SMS, '07700900123', { personalisation })).status).toBe(201);

    notify.setMode('error-500');
    const broken = await failure(client.sendEmail(EMAIL, 'alex@example.com', { personalisation }));
    expect(broken.response?.data).toEqual({
      status_code: 500,
      errors: [{ error: 'Exception', message: 'Internal server error' }],
    });
    const control = await fetch(`${notify.url}/_fake/mode`, {
      method: 'POST',
      body: JSON.stringify({ mode: 'normal' }),
    });
    expect(control.status).toBe(200);
    expect((await client.sendEmail(EMAIL, 'alex@example.com', { personalisation })).status).toBe(201);
  });

  it('can refuse connections, and accept them again on the same port', async () => {
    const url = notify.url;
    await notify.refuseConnections();
    const down = await failure(client.sendSms(SMS, '07700900123', { personalisation }));
    expect(down.code).toBe('ECONNREFUSED');
    await notify.acceptConnections();
    expect(notify.url).toBe(url);
    expect((await client.sendSms(SMS, '07700900123', { personalisation })).status).toBe(201);
  });

  it('lists what it accepted', async () => {
    const listed = (await (await fetch(`${notify.url}/_fake/messages`)).json()) as {
      messages: { reference: string | null }[];
    };
    expect(listed.messages.map((message) => message.reference)).toContain('ref-1');
    expect(notify.messages().length).toBe(listed.messages.length);
  });
});
