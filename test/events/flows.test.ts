/**
 * The events catalogue against what a consumer really receives: the prescription journey run over
 * HTTP (order, cancel, release, return, dispense, withdraw, claim) and a break-the-glass read, with
 * NATS JetStream when nats-server is installed, and every message read back from the stream held
 * to docs/asyncapi.yaml. (Every other suite's events are held to it too, at its app's close:
 * test/app.ts.)
 */

import type { Bundle } from '@medplum/fhirtypes';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  claim,
  dispenseNotification,
  releaseParameters,
  returnTask,
  withdrawTask,
} from '../../src/dispensing/examples/messages.js';
import { itemIdOf, shortFormIdOf } from '../../src/prescribing/examples/order-bundle.js';
import { startTestApp, type TestApp } from '../app.js';
import { databaseKinds } from '../databases.js';
import { type NatsTestServer, natsAvailable, startNatsServer } from '../nats.js';
import { dispensingApi } from '../support/dispensing/api.js';
import { waitFor } from '../support/platform/wait.js';
import { cancelBundle } from '../support/prescribing/cancel-bundle.js';
import {
  processMessage,
  registerPrescriber,
  type TestPrescriber,
} from '../support/prescribing/prescriber.js';
import { loadEventCatalogue, type PublishedEvent, SUBJECT_PREFIX } from './catalogue.js';
import { emittedEvents } from './emitted.js';

interface Received {
  subject: string;
  msgId: string | undefined;
  body: PublishedEvent;
}

async function readStream(url: string): Promise<Received[]> {
  const connection = await connect({ servers: url, timeout: 2000 });
  try {
    const total = (await (await jetstreamManager(connection)).streams.info('PATHWAYS_EVENTS')).state.messages;
    const received: Received[] = [];
    const messages = await (await jetstream(connection).consumers.get('PATHWAYS_EVENTS')).fetch({
      max_messages: total,
      expires: 5000,
    });
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

describe.each(databaseKinds)('the events catalogue against the prescription journey on %s', (kind) => {
  let nats: NatsTestServer | undefined;
  let t: TestApp;
  let gp: TestPrescriber;
  let api: ReturnType<typeof dispensingApi>;

  beforeAll(async () => {
    nats = natsAvailable ? await startNatsServer() : undefined;
    t = await startTestApp(kind, nats ? { NATS_URL: nats.url } : {});
    gp = await registerPrescriber(t);
    api = dispensingApi(t);
  });
  afterAll(async () => {
    await t?.close();
    await nats?.dispose();
  });

  async function prescribe(nominated: string | null): Promise<Bundle> {
    const order = await gp.signedOrder({ items: [{ quantity: 20 }], nominatedPharmacy: nominated });
    const response = await processMessage(t, order, await gp.bearer());
    expect(response.statusCode, response.body).toBe(200);
    return order;
  }

  it('every event of the journey matches its schema, as published and as stored', async () => {
    const pharmacist = await api.pharmacist('FCG71');
    const ok = (response: { statusCode: number; body: string }) =>
      expect(response.statusCode, response.body).toBe(200);
    const dispensed = await prescribe('FCG71');
    const returned = await prescribe('FCG71');
    const cancelled = await prescribe(null);
    ok(await processMessage(t, cancelBundle(cancelled, [0]), await gp.bearer()));
    ok(await api.release(releaseParameters('FCG71'), pharmacist));
    const returnedId = shortFormIdOf(returned);
    expect((await api.task(returnTask(returnedId, 'FCG71'), pharmacist)).statusCode).toBeLessThan(300);
    const id = shortFormIdOf(dispensed);
    const item = itemIdOf(dispensed, 0);
    ok(
      await api.message(
        dispenseNotification(id, 'FCG71', [{ itemId: item, type: '0003', quantity: 5 }]),
        pharmacist,
      ),
    );
    expect((await api.task(withdrawTask(id, 'FCG71'), pharmacist)).statusCode).toBeLessThan(300);
    ok(
      await api.message(
        dispenseNotification(id, 'FCG71', [{ itemId: item, type: '0001', quantity: 20 }]),
        pharmacist,
      ),
    );
    ok(await api.claim(claim(id), pharmacist));
    // A prescriber elsewhere reads the patient in an emergency.
    const patient = (await emittedEvents(t.pathways.db, t.pathways.outbox)).map(
      (event) => event.payload as { patient?: string },
    )[0]?.patient;
    expect(patient).toMatch(/^Patient\//);
    const elsewhere = await t.bearer({
      roles: ['prescriber'],
      fhirUser: 'Practitioner/elsewhere',
      org: 'B82010',
    });
    const read = await t.pathways.app.inject({
      method: 'GET',
      url: `/fhir/R4/${patient}`,
      headers: { authorization: elsewhere, 'x-break-glass-reason': 'Unconscious in A&E' },
    });
    expect(read.statusCode, read.body).toBe(200);

    const stored = await emittedEvents(t.pathways.db, t.pathways.outbox);
    expect(new Set(stored.map((event) => event.type))).toEqual(
      new Set([
        'prescription-order',
        'prescription-cancel',
        'prescription-released',
        'prescription-returned',
        'dispense-notification',
        'dispense-withdraw',
        'claim',
        'break-glass-access',
      ]),
    );
    const catalogue = loadEventCatalogue();
    expect(catalogue.problems(stored)).toEqual([]);
    if (!nats) return;

    let published: Received[] = [];
    await waitFor(async () => {
      published = await readStream(nats!.url);
      return published.length === stored.length;
    }, 'every event on NATS');
    for (const message of published) {
      expect(message.subject).toBe(`${SUBJECT_PREFIX}${message.body.type}`);
      expect(message.msgId).toBe(message.body.id);
    }
    expect(catalogue.problems(published.map((message) => message.body))).toEqual([]);
    // The same events (NATS gets them in order per key, not across keys).
    const byId = (a: PublishedEvent, b: PublishedEvent) => a.id.localeCompare(b.id);
    expect(published.map((message) => message.body).sort(byId)).toEqual([...stored].sort(byId));
  });

  it('names a payload that does not match and an event type the catalogue lacks', async () => {
    const [order] = (await emittedEvents(t.pathways.db, t.pathways.outbox)).filter(
      (event) => event.type === 'prescription-order',
    );
    const catalogue = loadEventCatalogue();
    const { prescriberOrg: _dropped, ...withoutOrg } = order!.payload as Record<string, unknown>;
    expect(catalogue.problems([{ ...order!, payload: { ...withoutOrg, surname: 'Hughes' } }])).toEqual([
      expect.stringMatching(
        /^event "prescription-order" .* must have required property 'prescriberOrg'; \/payload must NOT have additional properties \(surname\)$/,
      ),
    ]);
    expect(catalogue.problems([{ ...order!, type: 'repeat-dispensing-issued' }])).toEqual([
      expect.stringContaining(
        'event type "repeat-dispensing-issued" (emitted 1×) is not in the events catalogue: add a channel with address "pathways.events.repeat-dispensing-issued"',
      ),
    ]);
    // Tests' synthetic events are exempt: a `test.` type, or a `test.` key for a real type.
    expect(
      catalogue.problems([
        { ...order!, type: 'test.anything' },
        { ...order!, key: 'test.x', payload: {} },
      ]),
    ).toEqual([]);
  });
});
