import { createPrivateKey, createPublicKey } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { feedPayload } from '../../test/support/feed/app.js';
import { TEST_KEY_ECC_P256_PRIVATE, TEST_KEY_ECC_P256_PUBLIC } from '../../test/support/feed/rfc-examples.js';
import { createLogger } from '../platform/logging/logger.js';
import { createMetricsRegistry, type Registry } from '../platform/metrics/metrics.js';
import { type DomainEvent, type ExternalConsumer, PermanentFailure } from '../platform/outbox/outbox.js';
import { createFeedConsumer, FEED_CONSUMER } from './consumer.js';
import { FakeEpms } from './fake-epms/server.js';
import { keyIdOf } from './feed-key.js';
import { registerFeedMetrics } from './metrics.js';
import { readFeedSettings } from './settings.js';

const publicKey = createPublicKey(TEST_KEY_ECC_P256_PUBLIC);
const key = {
  keyid: '',
  publicPem: TEST_KEY_ECC_P256_PUBLIC,
  publicKey,
  privateKey: createPrivateKey(TEST_KEY_ECC_P256_PRIVATE),
};

function claimEvent(prescriptionId = 'RX-UNIT-1'): DomainEvent {
  return {
    id: crypto.randomUUID(),
    type: 'claim',
    key: prescriptionId,
    occurredAt: new Date().toISOString(),
    payload: feedPayload('claim', prescriptionId, 1),
  };
}

/** An HTTP server that answers every request with `status` (an ePMS in a given mood). */
async function answering(status: () => number) {
  let requests = 0;
  const server = http.createServer((request, response) => {
    requests++;
    request.resume();
    request.on('end', () => response.writeHead(status(), { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('the epms-feed consumer', () => {
  let metrics: Registry;
  let epms: FakeEpms;
  let epmsUrl: string;
  const consumers: ExternalConsumer[] = [];

  beforeAll(async () => {
    key.keyid = await keyIdOf(publicKey);
    epms = new FakeEpms({ key: { pem: TEST_KEY_ECC_P256_PUBLIC } });
    epmsUrl = await epms.start();
  });
  afterAll(async () => {
    for (const consumer of consumers) await consumer.close?.();
    await epms.close();
  });
  beforeEach(() => {
    metrics = createMetricsRegistry({ defaults: false });
    epms.reset();
  });

  function consumer(baseUrl: string, env: Record<string, string> = {}) {
    const settings = readFeedSettings(env, baseUrl);
    const feedMetrics = registerFeedMetrics(metrics, {
      stats: async () => undefined,
      log: createLogger({ level: 'silent' }),
    });
    const created = createFeedConsumer({
      eventsUrl: settings.eventsUrl!,
      settings,
      key,
      metrics: feedMetrics,
    });
    consumers.push(created);
    return created;
  }
  const send = (target: ExternalConsumer, event: DomainEvent, signal = new AbortController().signal) =>
    target.deliver(event, { attempt: 1, signal });
  const counter = async (name: string, labels = '') => {
    const text = await metrics.metrics();
    const line = text.split('\n').find((row) => row.startsWith(`${name}${labels} `));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  it('is ordered per prescription, for the five feed types, with the contract retry policy and a 10 s timeout', () => {
    const feed = consumer('https://epms.example');
    expect(feed).toMatchObject({
      name: FEED_CONSUMER,
      ordered: true,
      types: [
        'prescription-order',
        'prescription-cancel',
        'dispense-notification',
        'dispense-withdraw',
        'claim',
      ],
      retry: { baseDelayS: 2, maxDelayS: 300 },
      timeoutMs: 10_000,
    });
    expect(feed.retry?.limit).toBeUndefined();
  });

  it('delivers a verified event once and counts it', async () => {
    const feed = consumer(epmsUrl);
    const event = claimEvent();
    await send(feed, event);
    expect(epms.received().applied.map((booked) => booked.id)).toEqual([event.id]);
    expect(await counter('pathways_feed_delivered_total')).toBe(1);
  });

  it('throws a retryable Error for 5xx, 429 and redirects, a PermanentFailure for other 4xx', async () => {
    let status = 503;
    const server = await answering(() => status);
    try {
      const feed = consumer(server.url);
      for (status of [500, 502, 503, 504, 429, 302]) {
        const error = await send(feed, claimEvent()).catch((failure: unknown) => failure);
        expect(error, String(status)).toBeInstanceOf(Error);
        expect(error, String(status)).not.toBeInstanceOf(PermanentFailure);
        expect((error as Error).message).toContain(`ePMS answered ${status}`);
      }
      for (status of [400, 401, 403, 404, 409, 422]) {
        await expect(send(feed, claimEvent()), String(status)).rejects.toBeInstanceOf(PermanentFailure);
      }
      status = 204;
      await expect(send(feed, claimEvent())).resolves.toBeUndefined();
      expect(await counter('pathways_feed_failed_attempts_total', '{reason="http_5xx"}')).toBe(4);
      expect(await counter('pathways_feed_failed_attempts_total', '{reason="http_429"}')).toBe(1);
      expect(await counter('pathways_feed_failed_attempts_total', '{reason="http_4xx"}')).toBe(6);
      expect(await counter('pathways_feed_failed_attempts_total', '{reason="http_other"}')).toBe(1);
      expect(await counter('pathways_feed_delivered_total')).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('throws a retryable Error when the ePMS refuses connections', async () => {
    const server = await answering(() => 200);
    await server.close();
    const feed = consumer(server.url);
    const error = await send(feed, claimEvent()).catch((failure: unknown) => failure);
    expect(error).not.toBeInstanceOf(PermanentFailure);
    expect((error as Error).message).toBe('ePMS unreachable: ECONNREFUSED');
    expect(await counter('pathways_feed_failed_attempts_total', '{reason="refused"}')).toBe(1);
  });

  it('gives up an attempt when the outbox aborts it (timeout), as a retryable failure', async () => {
    epms.behave({ behaviour: 'hang' });
    const feed = consumer(epmsUrl);
    const controller = new AbortController();
    const attempt = send(feed, claimEvent(), controller.signal).catch((failure: unknown) => failure);
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort(new Error('delivery timed out'));
    const error = await attempt;
    expect(error).not.toBeInstanceOf(PermanentFailure);
    expect((error as Error).message).toBe('ePMS did not answer in time');
    expect(await counter('pathways_feed_failed_attempts_total', '{reason="timeout"}')).toBe(1);
    expect(epms.received().applied).toEqual([]);
  });

  it('dead-letters an event it cannot send without calling the ePMS, and counts dead letters', async () => {
    const feed = consumer(epmsUrl);
    const broken = { ...claimEvent(), payload: { prescriptionId: 'RX-UNIT-1' } };
    await expect(send(feed, broken)).rejects.toBeInstanceOf(PermanentFailure);
    expect(epms.received().requests).toBe(0);
    await feed.onDeadLetter?.(broken, { tx: undefined as never, error: 'x' });
    expect(await counter('pathways_feed_dead_letter_total')).toBe(1);
  });
});
