/**
 * The feed under a long outage: a thousand events pile up while the ePMS refuses connections, and
 * all of them arrive once, each prescription's in order, when it comes back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../test/databases.js';
import { type FeedTestApp, startFeedApp } from '../../test/support/feed/app.js';
import { waitFor } from '../../test/support/platform/wait.js';
import { FEED_CONSUMER } from './consumer.js';

describe.each(databaseKinds)('the ePMS feed after an outage, on %s', (kind) => {
  let t: FeedTestApp;

  beforeAll(async () => {
    t = await startFeedApp(kind, { FEED_TIMEOUT_MS: '5000' });
  });
  afterAll(() => t.close());

  const backlog = async () =>
    (await t.app.pathways.outbox.stats()).consumers.find((row) => row.consumer === FEED_CONSUMER)?.pending ??
    0;

  it('1,000 events for 250 prescriptions emitted while the ePMS is down all arrive once, in order, after recovery', async () => {
    await t.epms.refuseConnections();
    const prescriptions = Array.from({ length: 250 }, (_, i) => `test.${kind}-bulk-${i}`);
    const types = ['prescription-order', 'dispense-notification', 'dispense-withdraw', 'claim'] as const;
    const emitted = new Map<string, string[]>(prescriptions.map((id) => [id, []]));
    for (const [step, type] of types.entries()) {
      // Ten writers at a time, as concurrent requests would.
      for (let from = 0; from < prescriptions.length; from += 10) {
        const batch = prescriptions.slice(from, from + 10);
        const events = await Promise.all(batch.map((id) => t.emitFeedEvent(type, id, step + 1)));
        for (const event of events) emitted.get(event.key)!.push(event.id);
      }
    }
    await waitFor(async () => (await backlog()) === 1000, 'all 1,000 events in the backlog', 30_000);
    expect(t.epms.received().requests).toBe(0);

    await t.epms.acceptConnections();
    await t.drained(60_000);
    const booked = t.epms.received().applied;
    expect(booked).toHaveLength(1000);
    expect(new Set(booked.map((event) => event.id)).size).toBe(1000);
    for (const prescription of prescriptions) {
      expect(t.epms.ledger.of(prescription).map((event) => event.id)).toEqual(emitted.get(prescription));
    }
  }, 90_000);
});
