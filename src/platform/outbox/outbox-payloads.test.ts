/**
 * Payloads stored by reference (published-payloads.ts): consumers get each event as published,
 * resolved once per batch; a consumer that asked for stored payloads gets the row as it is; a read
 * that fails is a retried attempt (in a transactional batch without aborting it), and an event
 * that cannot be resolved is dead-lettered rather than handed over without its resource.
 */
import { describe, expect, it } from 'vitest';
import { databaseKinds } from '../../../test/databases.js';
import { fast, outboxHarness } from '../../../test/support/platform/outbox.js';
import { waitFor } from '../../../test/support/platform/wait.js';
import type { ExternalConsumer } from './consumer.js';
import type { DomainEvent } from './events.js';
import type { ResolvePayloads } from './published-payloads.js';

describe.each(databaseKinds)('payloads stored by reference on %s', (kind) => {
  const h = outboxHarness(kind);
  const { fresh, start, startResolving, placeOrder, effects, delivery, recording } = h;

  function external(
    name: string,
    type: string,
    payloads?: 'stored',
  ): ExternalConsumer & { calls: DomainEvent[] } {
    const calls: DomainEvent[] = [];
    return {
      calls,
      name,
      types: [type],
      retry: fast,
      concurrency: 8,
      ...(payloads ? { payloads } : {}),
      async deliver(event) {
        calls.push(event);
      },
    };
  }

  /** Reads each event's order status from test_order, in one query per batch; counts its calls. */
  function statusResolver(options: { failFirst?: boolean; skip?: string } = {}) {
    const batches: number[] = [];
    const resolve: ResolvePayloads = async (q, events) => {
      batches.push(events.length);
      if (options.failFirst && batches.length === 1) await q.query('SELECT 1 / 0');
      const rows = await q.query<{ id: string; status: string }>(
        'SELECT id, status FROM test_order WHERE id = ANY($1::text[])',
        [events.map((event) => event.key)],
      );
      const status = new Map(rows.rows.map((row) => [row.id, row.status]));
      return new Map(
        events
          .filter((event) => event.key !== options.skip)
          .map((event): [string, unknown] => [
            event.id,
            { ...(event.payload as object), status: status.get(event.key) },
          ]),
      );
    };
    return { resolve, batches };
  }

  it('hands over events as published, one resolution per batch, and stored rows to a consumer that asks', async () => {
    const { type, name } = fresh();
    const published = external(name, type);
    const stored = external(`${name}-stored`, type, 'stored');
    const resolver = statusResolver();
    const events: DomainEvent[] = [];
    for (let i = 0; i < 5; i++) events.push(await placeOrder(`by-ref-${h.n}-${i}`, type));
    const outbox = await startResolving({ [type]: resolver.resolve }, published, stored);
    await outbox.dispatchNow();
    await waitFor(async () => published.calls.length === 5 && stored.calls.length === 5, 'both consumers');
    const byOrder = (calls: DomainEvent[]) =>
      calls
        .map((event) => event.payload as { orderId: string })
        .sort((a, b) => a.orderId.localeCompare(b.orderId));
    expect(byOrder(published.calls)).toEqual(
      events.map((event) => ({ orderId: event.key, status: 'placed' })),
    );
    expect(byOrder(stored.calls)).toEqual(events.map((event) => ({ orderId: event.key })));
    // One batch claimed all five: resolved together, never per event.
    expect(resolver.batches).toEqual([5]);
    // The row itself is unchanged: what is stored is the reference.
    const rows = await h.db.query('SELECT payload FROM outbox_event WHERE id = $1', [events[0]!.id]);
    expect(rows.rows).toEqual([{ payload: { orderId: events[0]!.key } }]);
    expect(await outbox.published(h.db, [events[0]!])).toEqual([
      { ...events[0]!, payload: { orderId: events[0]!.key, status: 'placed' } },
    ]);
  });

  it('dead-letters an event that cannot be resolved, and delivers the others of its batch', async () => {
    const { type, name } = fresh();
    const consumer = external(name, type);
    const lost = `lost-${h.n}`;
    const kept = await placeOrder(`kept-${h.n}`, type);
    const gone = await placeOrder(lost, type);
    const outbox = await startResolving({ [type]: statusResolver({ skip: lost }).resolve }, consumer);
    await outbox.dispatchNow();
    await waitFor(async () => (await delivery(name, gone.id))?.state === 'dead', 'the dead letter');
    await waitFor(async () => (await delivery(name, kept.id))?.state === 'done', 'the other delivery');
    expect(consumer.calls.map((event) => event.id)).toEqual([kept.id]);
    // Outside a delivery, an event that cannot be resolved is returned as stored.
    expect(await outbox.published(h.db, [gone])).toEqual([gone]);
  });

  it('retries a transactional batch whose read failed, without aborting its transaction', async () => {
    const { type, name } = fresh();
    const { consumer, calls } = recording(name, type);
    const resolver = statusResolver({ failFirst: true });
    const event = await placeOrder(`retried-tx-${h.n}`, type);
    const outbox = await startResolving({ [type]: resolver.resolve }, consumer);
    await outbox.dispatchNow();
    await waitFor(async () => (await delivery(name, event.id))?.state === 'done', 'the delivery');
    expect(calls.map((call) => call.payload)).toEqual([{ orderId: event.key, status: 'placed' }]);
    expect(await delivery(name, event.id)).toMatchObject({ attempts: 1 });
    expect(await effects(name)).toHaveLength(1);
  });

  it('retries an external delivery whose read failed', async () => {
    const { type, name } = fresh();
    const consumer = external(name, type);
    const event = await placeOrder(`retried-ext-${h.n}`, type);
    const outbox = await startResolving({ [type]: statusResolver({ failFirst: true }).resolve }, consumer);
    await outbox.dispatchNow();
    await waitFor(async () => (await delivery(name, event.id))?.state === 'done', 'the delivery');
    expect(consumer.calls.map((call) => call.payload)).toEqual([{ orderId: event.key, status: 'placed' }]);
    expect(await delivery(name, event.id)).toMatchObject({ attempts: 1 });
  });

  it('refuses a second resolver for the same type', async () => {
    const { type } = fresh();
    const outbox = await start();
    outbox.resolvePayloads(type, statusResolver().resolve);
    expect(() => outbox.resolvePayloads(type, statusResolver().resolve)).toThrow(/already registered/);
  });
});
