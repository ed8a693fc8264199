import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  TEST_KEY_ECC_P256_PRIVATE,
  TEST_KEY_ECC_P256_PUBLIC,
} from '../../../test/support/feed/rfc-examples.js';
import { keyIdOf } from '../feed-key.js';
import { signFeedRequest } from '../signing.js';
import { serialiseWireEvent } from '../wire-format.js';
import { runFakeEpms } from './cli.js';
import { FakeEpms } from './server.js';

const privateKey = createPrivateKey(TEST_KEY_ECC_P256_PRIVATE);
let keyid: string;
let sequence = 0;

/** POSTs one signed feed event to `baseUrl`, as Pathways would. */
async function sendEvent(baseUrl: string, prescriptionId = 'RX-FAKE-1', id = crypto.randomUUID()) {
  const body = serialiseWireEvent({
    id,
    type: 'claim',
    prescriptionId,
    occurredAt: new Date(Date.UTC(2026, 2, 1, 10, 0, sequence++)).toISOString(),
    resource: { resourceType: 'Claim' },
  });
  const request = await signFeedRequest(`${baseUrl}/events`, body, id, { keyid, privateKey });
  const response = await fetch(request.url, { method: 'POST', headers: request.headers, body });
  return { id, status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const control = (baseUrl: string, command: unknown) =>
  fetch(`${baseUrl}/_control`, { method: 'POST', body: JSON.stringify(command) });

describe('the fake ePMS server', () => {
  const started: FakeEpms[] = [];
  beforeAll(async () => {
    keyid = await keyIdOf(createPublicKey(TEST_KEY_ECC_P256_PUBLIC));
  });
  afterEach(async () => {
    for (const epms of started.splice(0)) await epms.close();
  });
  async function start(
    options: ConstructorParameters<typeof FakeEpms>[0] = { key: { pem: TEST_KEY_ECC_P256_PUBLIC } },
  ) {
    const epms = new FakeEpms(options);
    started.push(epms);
    return { epms, url: await epms.start() };
  }

  it('books a verified event and answers a duplicate with 200, counted and not booked again', async () => {
    const { epms, url } = await start();
    const first = await sendEvent(url);
    expect(first).toMatchObject({ status: 200, body: { status: 'applied', id: first.id } });
    const again = await sendEvent(url, 'RX-FAKE-1', first.id);
    expect(again).toMatchObject({ status: 200, body: { status: 'duplicate' } });
    const received = (await (await fetch(`${url}/_received`)).json()) as ReturnType<FakeEpms['received']>;
    expect(received.applied.map((event) => event.id)).toEqual([first.id]);
    expect(received).toMatchObject({ duplicates: 1, requests: 2, outcomes: { applied: 1, duplicate: 1 } });
    expect(epms.received()).toEqual(received);
  });

  it('answers an unsigned or tampered request with 400 and books nothing', async () => {
    const { epms, url } = await start();
    const unsigned = await fetch(`${url}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(unsigned.status).toBe(400);
    expect(await unsigned.json()).toMatchObject({ error: 'INVALID_DIGEST' });
    expect(epms.received()).toMatchObject({ applied: [], outcomes: { invalid: 1 } });
  });

  it('is steered over HTTP: 503 for a number of requests, 400 for one prescription, then normal', async () => {
    const { url } = await start();
    expect((await control(url, { behaviour: 'unavailable', times: 2 })).status).toBe(200);
    expect((await sendEvent(url)).status).toBe(503);
    expect((await sendEvent(url)).status).toBe(503);
    expect((await sendEvent(url)).status).toBe(200);
    await control(url, { behaviour: 'reject', prescriptionId: 'RX-BAD' });
    expect(await sendEvent(url, 'RX-BAD')).toMatchObject({ status: 400, body: { error: 'REJECTED' } });
    expect((await sendEvent(url, 'RX-GOOD')).status).toBe(200);
    const bad = await control(url, { behaviour: 'explode' });
    expect(bad.status).toBe(400);
    await control(url, { reset: true });
    expect((await sendEvent(url, 'RX-BAD')).status).toBe(200);
  });

  it('hangs requests when told to, and drops the connection after booking when told to', async () => {
    const { epms, url } = await start();
    epms.behave({ behaviour: 'hang', times: 1 });
    const hung = sendEvent(url).catch((error: Error) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(epms.hanging).toBe(1);
    epms.behave({ behaviour: 'drop-after-apply', times: 1 });
    const dropped = await sendEvent(url).catch((error: Error) => error);
    expect(dropped).toBeInstanceOf(Error);
    expect(epms.received()).toMatchObject({ outcomes: { hung: 1, dropped: 1 } });
    expect(epms.received().applied).toHaveLength(1);
    await epms.close();
    expect(await hung).toBeInstanceOf(Error);
    expect(epms.hanging).toBe(0);
  });

  it('refuses connections, by method call or for a while over HTTP, and accepts again on the same port', async () => {
    const { epms, url } = await start();
    await epms.refuseConnections();
    const refused = await fetch(`${url}/_received`).catch((error: Error) => error);
    expect((refused as Error & { cause?: { code?: string } }).cause?.code).toBe('ECONNREFUSED');
    await epms.acceptConnections();
    expect(epms.url).toBe(url);
    expect((await sendEvent(url)).status).toBe(200);

    expect(await (await control(url, { refuse: true, forMs: 300 })).json()).toEqual({ refusingForMs: 300 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(epms.accepting).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(epms.accepting).toBe(true);
    expect((await sendEvent(url)).status).toBe(200);
  });

  it('fetches the key from Pathways lazily, answering 503 until it can', async () => {
    let serveKey = false;
    const pathways = http.createServer((request, response) => {
      if (serveKey && request.url === '/pki/feed.pem') response.writeHead(200).end(TEST_KEY_ECC_P256_PUBLIC);
      else response.writeHead(503).end();
    });
    await new Promise<void>((resolve) => pathways.listen(0, '127.0.0.1', resolve));
    try {
      const keyUrl = `http://127.0.0.1:${(pathways.address() as AddressInfo).port}/pki/feed.pem`;
      const { url } = await start({ key: { url: keyUrl }, keyRefetchMs: 0 });
      expect(await sendEvent(url)).toMatchObject({ status: 503, body: { error: 'NO_TRUSTED_KEY' } });
      serveKey = true;
      expect((await sendEvent(url)).status).toBe(200);
    } finally {
      await new Promise<void>((resolve) => pathways.close(() => resolve()));
    }
  });

  it('runs from the command line with --key-file, printing where it listens and each outcome', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fake-epms-'));
    const keyFile = path.join(dir, 'feed.pem');
    writeFileSync(keyFile, TEST_KEY_ECC_P256_PUBLIC);
    const lines: string[] = [];
    try {
      const epms = await runFakeEpms(['--port', '0', '--key-file', keyFile], {
        out: (line) => lines.push(line),
        handleSignals: false,
      });
      started.push(epms);
      const banner = JSON.parse(lines[0]!) as { fakeEpms: string; events: string };
      expect(banner.events).toBe(`${banner.fakeEpms}/events`);
      const sent = await sendEvent(banner.fakeEpms);
      expect(sent.status).toBe(200);
      expect(JSON.parse(lines[1]!)).toMatchObject({ eventId: sent.id, outcome: 'applied' });
      await expect(runFakeEpms(['--port', '0'], { handleSignals: false })).rejects.toThrow(
        /--key-url or --key-file/,
      );
      await expect(
        runFakeEpms(['--port', 'x', '--key-file', keyFile], { handleSignals: false }),
      ).rejects.toThrow(/--port/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  afterAll(async () => {
    for (const epms of started.splice(0)) await epms.close();
  });
});
