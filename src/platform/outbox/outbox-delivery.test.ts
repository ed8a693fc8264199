/**
 * The outbox's promises to consumers: an event commits with its write or not at all, every
 * consumer gets it at least once and acts on it once, per-key order holds, and failures end in a
 * retry or a dead letter that can be re-driven.
 */
import { describe, expect, it } from 'vitest';
import { databaseKinds } from '../../../test/databases.js';
import { fast, log, outboxHarness } from '../../../test/support/platform/outbox.js';
import { sleep, waitFor } from '../../../test/support/platform/wait.js';
import type { Queryable } from '../database/database.js';
import { createMetricsRegistry } from '../metrics/metrics.js';
import { PermanentFailure } from './consumer.js';
import { emit } from './events.js';
import { Outbox } from './outbox.js';

describe.each(databaseKinds)('outbox delivery on %s', (kind) => {
  const h = outboxHarness(kind);
  const { fresh, start, placeOrder, effects, delivery, recording } = h;

  it('commits the event with the write, and emitting the same id again adds nothing', async () => {
    const { type } = fresh();
    const event = await placeOrder(`order-${h.n}`, type);
    expect(event).toMatchObject({ type, key: `order-${h.n}`, payload: { orderId: `order-${h.n}` } });
    expect(new Date(event.occurredAt).toISOString()).toBe(event.occurredAt);
    const again = await h.db.transaction((tx) =>
      emit(tx, { id: event.id, type, key: event.key, payload: { orderId: 'different' } }),
    );
    expect(again).toEqual(event);
    const stored = await h.db.query('SELECT payload FROM outbox_event WHERE type = $1', [type]);
    expect(stored.rows).toEqual([{ payload: { orderId: `order-${h.n}` } }]);
    await expect(
      h.db.transaction((tx) => emit(tx, { type: 'bad type!', key: 'k', payload: {} })),
    ).rejects.toThrow(/invalid event type/);
  });

  it('records neither event nor delivery when the write rolls back', async () => {
    const { type, name } = fresh();
    const { consumer, calls } = recording(name, type);
    await start(consumer);
    await expect(
      h.db.transaction(async (tx) => {
        await tx.query('INSERT INTO test_order (id, status) VALUES ($1, $2)', [
          `rolled-back-${h.n}`,
          'placed',
        ]);
        await emit(tx, { type, key: `rolled-back-${h.n}`, payload: {} });
        throw new Error('validation failed after the emit');
      }),
    ).rejects.toThrow('validation failed');
    await h.outbox.dispatchNow();
    await sleep(100);
    expect(calls).toHaveLength(0);
    expect((await h.db.query('SELECT 1 FROM outbox_event WHERE type = $1', [type])).rowCount).toBe(0);
    expect((await h.db.query('SELECT 1 FROM outbox_delivery WHERE consumer = $1', [name])).rowCount).toBe(0);
  });

  it('retries a consumer that throws twice: three calls, one effect', async () => {
    const { type, name } = fresh();
    const { consumer, calls } = recording(name, type, { fail: (_event, calls) => calls.length < 3 });
    await start(consumer);
    const event = await placeOrder(`retried-${h.n}`, type);
    await waitFor(async () => (await delivery(name, event.id))?.state === 'done', 'delivery');
    expect(calls.map((call) => call.id)).toEqual([event.id, event.id, event.id]);
    expect(await effects(name)).toHaveLength(1);
    expect(await delivery(name, event.id)).toMatchObject({ state: 'done', attempts: 2 });
    const delivered = await h.metrics.getSingleMetricAsString('pathways_outbox_delivered_total');
    expect(delivered).toContain(`pathways_outbox_delivered_total{consumer="${name}"} 1`);
    const failed = await h.metrics.getSingleMetricAsString('pathways_outbox_failed_attempts_total');
    expect(failed).toContain(`pathways_outbox_failed_attempts_total{consumer="${name}"} 2`);
  });

  it('acts once per event when two replicas claim from the same consumer at once', async () => {
    const { type, name } = fresh();
    const { consumer, calls } = recording(name, type);
    await start(consumer);
    // A second replica of the same consumer over the same database, claiming concurrently.
    const second = recording(name, type);
    const replica = new Outbox({
      db: h.db,
      log,
      metrics: createMetricsRegistry({ defaults: false }),
      jobPollIntervalMs: 5,
      cron: false,
      dispatchIntervalMs: 5,
    });
    replica.register(second.consumer);
    await replica.start();
    try {
      const events = [];
      for (let i = 0; i < 20; i++) events.push(await placeOrder(`replicated-${h.n}-${i}`, type));
      await waitFor(async () => (await effects(name)).length >= events.length, 'every event');
      await sleep(100);
      expect((await effects(name)).map((row) => row.event_id).sort()).toEqual(events.map((e) => e.id).sort());
      expect(calls.length + second.calls.length).toBe(events.length);
    } finally {
      await replica.stop(1000);
    }
  });

  it('ignores an event emitted again: the same id adds no second delivery', async () => {
    const { type, name } = fresh();
    const { consumer, calls } = recording(name, type);
    await start(consumer);
    const event = await placeOrder(`redelivered-${h.n}`, type);
    await waitFor(async () => (await delivery(name, event.id))?.state === 'done', 'delivery');
    await h.db.transaction((tx) => emit(tx, { id: event.id, type, key: event.key, payload: {} }));
    await h.db.query('UPDATE outbox_event SET dispatched_at = NULL WHERE id = $1', [event.id]);
    await h.outbox.dispatchNow();
    await sleep(100);
    expect(calls).toHaveLength(1);
    expect(await effects(name)).toHaveLength(1);
  });

  it('keeps per-key order: a later event of a key waits while the earlier one fails', async () => {
    const { type, name } = fresh();
    let firstFailures = 0;
    const { consumer, calls } = recording(name, type, {
      ordered: true,
      fail: (event) => {
        if (event.key !== 'rx-1' || (event.payload as { step: number }).step !== 1 || firstFailures >= 3)
          return false;
        firstFailures++;
        return true;
      },
    });
    await start(consumer);
    const emitStep = (key: string, step: number) =>
      h.db.transaction((tx) => emit(tx, { type, key, payload: { step } }));
    const first = await emitStep('rx-1', 1);
    const second = await emitStep('rx-1', 2);
    const third = await emitStep('rx-1', 3);
    const other = await emitStep('rx-2', 1);
    await waitFor(async () => (await effects(name)).length === 4, 'all four events');
    const order = (await effects(name)).map((row) => row.event_id);
    expect(order.filter((id) => id !== other.id)).toEqual([first.id, second.id, third.id]);
    // The other prescription did not wait for rx-1's failures.
    expect(order.indexOf(other.id)).toBeLessThan(order.indexOf(first.id));
    expect(firstFailures).toBe(3);
    // The later events of rx-1 were handed over once each, after the first one's fourth try.
    const rx1Calls = calls.filter((event) => event.key === 'rx-1').map((event) => event.id);
    expect(rx1Calls).toEqual([first.id, first.id, first.id, first.id, second.id, third.id]);
    expect(await delivery(name, second.id)).toMatchObject({ state: 'done', attempts: 0 });
  });

  it('moves the later deliveries of a failing key to its retry time, queued or dispatched later (ordered)', async () => {
    const { type, name } = fresh();
    const { consumer, calls } = recording(name, type, {
      ordered: true,
      fail: (event) => event.key === 'rx-down',
    });
    // A long back-off: the first delivery's retry is a minute away, like a receiver that is down.
    await start({ ...consumer, retry: { baseDelayS: 60, maxDelayS: 60 } });
    const emitStep = (tx: Queryable, key: string, step: number) => emit(tx, { type, key, payload: { step } });
    const [first, second] = await h.db.transaction(async (tx) => [
      await emitStep(tx, 'rx-down', 1),
      await emitStep(tx, 'rx-down', 2),
    ]);
    await waitFor(async () => (await delivery(name, first!.id))?.attempts === 1, 'the first attempt failed');
    const third = await h.db.transaction((tx) => emitStep(tx, 'rx-down', 3));
    const other = await h.db.transaction((tx) => emitStep(tx, 'rx-up', 1));
    await waitFor(async () => (await delivery(name, other.id))?.state === 'done', 'the other key delivered');
    await h.outbox.dispatchNow();
    const due = await h.db.query<{ event_id: string; due_ms: number }>(
      `SELECT event_id, (extract(epoch FROM next_attempt_at) * 1000)::float8 AS due_ms
       FROM outbox_delivery WHERE consumer = $1 AND key = 'rx-down' ORDER BY seq`,
      [name],
    );
    const [firstDue, secondDue, thirdDue] = due.rows.map((row) => row.due_ms);
    expect(due.rows.map((row) => row.event_id)).toEqual([first!.id, second!.id, third.id]);
    expect(firstDue).toBeGreaterThan(Date.now() + 30_000);
    // Not due before the first one's retry: claims do not walk them while the receiver is down.
    expect(secondDue).toBe(firstDue);
    expect(thirdDue).toBe(firstDue);
    expect(calls.filter((event) => event.key === 'rx-down').map((event) => event.id)).toEqual([first!.id]);
  });

  it('dead-letters a permanent failure at once, lets the next event of the key go, and can redrive it', async () => {
    const { type, name } = fresh();
    const deadLetters: string[] = [];
    let rejectFirst = true;
    const delivered: string[] = [];
    await start({
      name,
      types: [type],
      ordered: true,
      retry: fast,
      async deliver(event) {
        if (rejectFirst && (event.payload as { step: number }).step === 1)
          throw new PermanentFailure('400 from ePMS');
        delivered.push(event.id);
      },
      async onDeadLetter(event, { tx, error }) {
        await tx.query('SELECT 1');
        deadLetters.push(`${event.id} ${error}`);
      },
    });
    const first = await h.db.transaction((tx) => emit(tx, { type, key: 'rx-9', payload: { step: 1 } }));
    const second = await h.db.transaction((tx) => emit(tx, { type, key: 'rx-9', payload: { step: 2 } }));
    await waitFor(async () => (await delivery(name, second.id))?.state === 'done', 'the second event');
    expect(await delivery(name, first.id)).toMatchObject({ state: 'dead', attempts: 1 });
    expect(deadLetters).toEqual([`${first.id} PermanentFailure: 400 from ePMS`]);
    const stats = await h.outbox.stats();
    expect(stats.consumers.find((c) => c.consumer === name)).toMatchObject({ pending: 0, dead: 1 });
    const gauge = await h.metrics.getSingleMetricAsString('pathways_outbox_dead_letters');
    expect(gauge).toContain(`pathways_outbox_dead_letters{consumer="${name}"} 1`);

    rejectFirst = false;
    expect(await h.outbox.redrive(name, first.id)).toBe(true);
    await waitFor(async () => (await delivery(name, first.id))?.state === 'done', 'the redriven event');
    expect(delivered).toContain(first.id);
    expect(await delivery(name, first.id)).toMatchObject({ state: 'done' });
  });

  it('dead-letters after the retry limit', async () => {
    const { type, name } = fresh();
    let calls = 0;
    await start({
      name,
      types: [type],
      retry: { ...fast, limit: 2 },
      async deliver() {
        calls++;
        throw new Error('still down');
      },
    });
    const event = await placeOrder(`limited-${h.n}`, type);
    await waitFor(async () => (await delivery(name, event.id))?.state === 'dead', 'dead letter');
    expect(calls).toBe(3);
  });
});
