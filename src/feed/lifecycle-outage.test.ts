/**
 * The source architecture's hardest promise, end to end: the claims system is down while 1,000
 * prescriptions go through their whole lifecycle (order → release → dispense → claim) through the
 * real API. Prescribing and dispensing keep succeeding; when the ePMS comes back, every event
 * arrives once, each prescription's in order. On PostgreSQL, where requests really run at once
 * (the same feed mechanics on PGlite are covered by feed-bulk.test.ts).
 */
import type { Bundle } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../test/databases.js';
import { dispensingApi } from '../../test/support/dispensing/api.js';
import { type FeedTestApp, startFeedApp } from '../../test/support/feed/app.js';
import { waitFor } from '../../test/support/platform/wait.js';
import { processMessage, registerPrescriber } from '../../test/support/prescribing/prescriber.js';
import { claim, dispenseNotification, releaseParameters } from '../dispensing/examples/messages.js';
import { itemIdOf, shortFormIdOf } from '../prescribing/examples/order-bundle.js';
import { FEED_CONSUMER } from './consumer.js';

const PRESCRIPTIONS = 1000;
const AT_ONCE = 20;

describe.each(
  databaseKinds.filter((kind) => kind === 'postgres'),
)('1,000 lifecycles with the ePMS down, on %s', (kind) => {
  let t: FeedTestApp;

  beforeAll(async () => {
    t = await startFeedApp(kind, { FEED_TIMEOUT_MS: '5000', FEED_CONCURRENCY: '16' });
  });
  afterAll(() => t?.close());

  it('keeps prescribing and dispensing working, then delivers every event once and in order', async () => {
    const app = t.app;
    const gp = await registerPrescriber(app);
    const api = dispensingApi(app);
    const [prescriber, pharmacy] = [await gp.bearer(), await api.pharmacist('FCG71')];
    await t.epms.refuseConnections();

    const orders: Bundle[] = [];
    for (let index = 0; index < PRESCRIPTIONS; index += 1)
      orders.push(await gp.signedOrder({ nominatedPharmacy: null, items: [{ quantity: 10 }] }));
    const failures: string[] = [];
    const lifecycle = async (order: Bundle) => {
      const id = shortFormIdOf(order);
      const steps = [
        () => processMessage(app, order, prescriber),
        () => api.release(releaseParameters('FCG71', id), pharmacy),
        () =>
          api.message(
            dispenseNotification(id, 'FCG71', [{ itemId: itemIdOf(order), type: '0001', quantity: 10 }]),
            pharmacy,
          ),
        () => api.claim(claim(id), pharmacy),
      ];
      for (const step of steps) {
        const response = await step();
        if (response.statusCode !== 200) failures.push(`${id}: ${response.statusCode} ${response.body}`);
      }
    };
    for (let from = 0; from < orders.length; from += AT_ONCE) {
      await Promise.all(orders.slice(from, from + AT_ONCE).map(lifecycle));
    }
    expect(failures).toEqual([]);
    const claimed = await app.pathways.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM prescription WHERE status = '0008'`,
    );
    expect(claimed.rows[0]!.n).toBe(PRESCRIPTIONS);
    await waitFor(
      async () =>
        (await app.pathways.outbox.stats()).consumers.find((row) => row.consumer === FEED_CONSUMER)
          ?.pending ===
        3 * PRESCRIPTIONS,
      'the whole backlog to be queued for the feed',
      60_000,
    );
    expect(t.epms.received().applied).toHaveLength(0);

    await t.epms.acceptConnections();
    await t.drained(180_000);
    const applied = t.epms.received().applied;
    expect(applied).toHaveLength(3 * PRESCRIPTIONS);
    expect(new Set(applied.map((event) => event.id)).size).toBe(3 * PRESCRIPTIONS);
    for (const order of orders) {
      expect(t.epms.ledger.of(shortFormIdOf(order)).map((event) => event.type)).toEqual([
        'prescription-order',
        'dispense-notification',
        'claim',
      ]);
    }
  }, 400_000);
});
