/** The GOV.UK Notify provider over real HTTP: the fake server's answers, and a server that never answers. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeNotifyServer } from './fake-notify/server.js';
import { createNotifyProvider } from './notify-provider.js';
import { TEMPLATES } from './templates.js';

const SMS = TEMPLATES['result-available'].ids.sms;
const request = { templateId: SMS, personalisation: { portalUrl: 'https://p.example' }, reference: 'ref' };

describe('GOV.UK Notify provider', () => {
  const notify = new FakeNotifyServer({ settleAfterMs: 0 });
  const silent = http.createServer(() => {});
  let silentUrl: string;
  beforeAll(async () => {
    await notify.start();
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await notify.stop();
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('sends and reads the status back', async () => {
    const provider = createNotifyProvider({ baseUrl: notify.url, apiKey: notify.apiKey, timeoutMs: 2000 });
    const id = await provider.sendSms({ ...request, phoneNumber: '07700900123' });
    expect(notify.messages().find((message) => message.id === id)).toMatchObject({ reference: 'ref' });
    expect(await provider.status(id)).toBe('delivered');
  });

  it('classifies refusals as permanent and server faults as temporary', async () => {
    const provider = createNotifyProvider({ baseUrl: notify.url, apiKey: notify.apiKey, timeoutMs: 2000 });
    await expect(provider.sendEmail({ ...request, emailAddress: 'nope' })).rejects.toMatchObject({
      name: 'ProviderError',
      kind: 'permanent',
      httpStatus: 400,
    });
    notify.failNext(1, 429);
    await expect(provider.sendSms({ ...request, phoneNumber: '07700900123' })).rejects.toMatchObject({
      kind: 'temporary',
      httpStatus: 429,
    });
  });

  it('gives up on a provider that never answers after the timeout, as a temporary failure', async () => {
    const provider = createNotifyProvider({ baseUrl: silentUrl, apiKey: notify.apiKey, timeoutMs: 150 });
    await expect(provider.sendSms({ ...request, phoneNumber: '07700900123' })).rejects.toMatchObject({
      kind: 'temporary',
      message: 'Notify unreachable: ECONNABORTED',
    });
  });
});
