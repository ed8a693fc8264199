import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../test/databases.js';
import { type NatsTestServer, natsAvailable, startNatsServer } from '../../../test/nats.js';
import { sleep, waitFor } from '../../../test/support/platform/wait.js';
import { createLogger } from '../logging/logger.js';
import { createMetricsRegistry } from '../metrics/metrics.js';
import { type DomainEvent, emit } from './events.js';
import { createNatsPublisher } from './nats.js';
import { Outbox } from './outbox.js';

const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const STREAM = 'PATHWAYS_EVENTS';

interface Received {
  subject: string;
  msgId: string | undefined;
  body: DomainEvent;
}

/** Everything in the stream, read through a JetStream (ordered) consumer. */
async function readStream(url: string): Promise<Received[]> {
  const connection = await connect({ servers: url, timeout: 2000 });
  try {
    const jsm = await jetstreamManager(connection);
    const total = (await jsm.streams.info(STREAM)).state.messages;
    const received: Received[] = [];
    if (total === 0) return received;
    const consumer = await jetstream(connection).consumers.get(STREAM);
    const messages = await consumer.fetch({ max_messages: total, expires: 5000 });
    for await (const message of messages) {
      received.push({
        subject: message.subject,
        msgId: message.headers?.get('Nats-Msg-Id'),
        body: message.json(),
      });
      if (received.length === total) break;
    }
    return received;
  } finally {
    await connection.close();
  }
}

describe.each(natsAvailable ? databaseKinds : [])('NATS publishing on %s', (kind) => {
  let t: TestDatabase;
  let nats: NatsTestServer;
  let outbox: Outbox | undefined;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(() => t.dispose());
  afterEach(async () => {
    await outbox?.stop(1000);
    outbox = undefined;
    await nats?.dispose();
  });

  async function start(url: string, name: string) {
    outbox = new Outbox({
      db: t.db,
      log,
      metrics: createMetricsRegistry({ defaults: false }),
      jobPollIntervalMs: 20,
      cron: false,
      dispatchIntervalMs: 10,
    });
    outbox.register(
      createNatsPublisher({
        url,
        log,
        name,
        // Generous: PGlite shares this thread, and a loaded test machine is slow to answer.
        connectTimeoutMs: 3000,
        publishTimeoutMs: 3000,
        retry: { baseDelayS: 0.1, maxDelayS: 0.4 },
      }),
    );
    await outbox.start();
    return outbox;
  }

  const pendingFor = async (name: string) =>
    (await outbox!.stats()).consumers.find((c) => c.consumer === name)?.pending ?? -1;
  const deliveredFor = async (name: string) => {
    const result = await t.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM outbox_delivery WHERE consumer = $1 AND state = 'done'",
      [name],
    );
    return Number(result.rows[0]?.n);
  };

  /** A domain write with its event, timed. */
  async function write(type: string, key: string) {
    const started = performance.now();
    const event = await t.db.transaction((tx) => emit(tx, { type, key, payload: { key } }));
    return { event, ms: performance.now() - started };
  }

  it('publishes each event to pathways.events.<type> with Nats-Msg-Id = event id, creating the stream', async () => {
    nats = await startNatsServer();
    await start(nats.url, 'nats-basic');
    const events = [
      (await write('prescription-order', 'rx-a')).event,
      (await write('prescription-cancel', 'rx-a')).event,
      (await write('dispense-notification', 'rx-b')).event,
    ];
    await waitFor(async () => (await deliveredFor('nats-basic')) === 3, 'publication', 20_000);
    const received = await readStream(nats.url);
    const byId = (a: unknown[], b: unknown[]) => a.join().localeCompare(b.join());
    expect(received.map((r) => [r.msgId, r.subject, r.body.id]).sort(byId)).toEqual(
      events.map((e) => [e.id, `pathways.events.${e.type}`, e.id]).sort(byId),
    );
    // Events of one prescription are published in the order they occurred.
    const rxA = received.filter((r) => r.body.key === 'rx-a').map((r) => r.body.id);
    expect(rxA).toEqual([events[0]!.id, events[1]!.id]);
    expect(received.find((r) => r.body.id === events[0]!.id)?.body).toEqual(events[0]);
  });

  it('keeps writing at full speed through a NATS outage, then delivers every event exactly once', async () => {
    nats = await startNatsServer();
    await start(nats.url, 'nats-outage');
    const before = [(await write('prescription-order', 'rx-0')).event];
    await waitFor(async () => (await deliveredFor('nats-outage')) === 1, 'the first publication', 20_000);

    await nats.stop();
    const during = [];
    for (let i = 1; i <= 20; i++) during.push(await write('prescription-order', `rx-${i}`));
    // Writes never wait for NATS: each is a plain local transaction. Had one waited for a publish
    // it would take at least the 3 s publish timeout.
    const times = during.map((w) => w.ms).sort((a, b) => a - b);
    expect(times[Math.floor(times.length / 2)]).toBeLessThan(200);
    expect(times.at(-1)).toBeLessThan(1500);
    await waitFor(
      async () => {
        const stats = await outbox!.stats();
        const row = stats.consumers.find((c) => c.consumer === 'nats-outage');
        const attempts = await t.db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM outbox_delivery WHERE consumer = 'nats-outage' AND attempts > 0",
        );
        return row?.pending === 20 && Number(attempts.rows[0]?.n) > 0;
      },
      'publishing to fail while NATS is down',
      20_000,
    );

    await nats.restart();
    await waitFor(async () => (await deliveredFor('nats-outage')) === 21, 'the backlog to drain', 30_000);

    const received = await readStream(nats.url);
    const expected = [...before, ...during.map((w) => w.event)].map((e) => e.id).sort();
    expect(received.map((r) => r.msgId).sort()).toEqual(expected);
    expect(new Set(received.map((r) => r.body.id)).size).toBe(received.length);

    // A re-publish of an event already stored (as after a lost acknowledgement) is dropped by JetStream.
    const connection = await connect({ servers: nats.url });
    const ack = await jetstream(connection).publish('pathways.events.prescription-order', '{}', {
      msgID: before[0]!.id,
    });
    await connection.close();
    expect(ack.duplicate).toBe(true);
    expect(await readStream(nats.url)).toHaveLength(expected.length);
  });

  it('starts and takes writes without waiting when NATS is unreachable', async () => {
    nats = await startNatsServer();
    await nats.stop();
    const started = performance.now();
    await start(nats.url, 'nats-absent');
    expect(performance.now() - started).toBeLessThan(5000);
    const { ms } = await write('claim', 'rx-z');
    expect(ms).toBeLessThan(1000);
    await waitFor(async () => (await pendingFor('nats-absent')) === 1, 'the event to wait for NATS');
    await sleep(300);
    expect(await deliveredFor('nats-absent')).toBe(0);
    const stopping = performance.now();
    await outbox!.stop(1000);
    outbox = undefined;
    expect(performance.now() - stopping).toBeLessThan(6000);
  });
});
