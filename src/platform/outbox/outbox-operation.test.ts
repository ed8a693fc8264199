/**
 * The outbox in operation: slow and timed-out consumers, the backlog and its repair, pruning,
 * stopping with deliveries in flight, and events that commit out of order.
 */
import { describe, expect, it } from 'vitest';
import { databaseKinds } from '../../../test/databases.js';
import { fast, outboxHarness } from '../../../test/support/platform/outbox.js';
import { sleep, waitFor } from '../../../test/support/platform/wait.js';
import { emit } from './events.js';

describe.each(databaseKinds)('outbox operation on %s', (kind) => {
  const h = outboxHarness(kind);
  const { fresh, start, placeOrder, effects, delivery, recording } = h;

  it('never holds the database while an external consumer is slow', async () => {
    const { type, name } = fresh();
    let inFlight = false;
    await start({
      name,
      types: [type],
      async deliver() {
        inFlight = true;
        await sleep(2500);
      },
      timeoutMs: 5000,
    });
    await placeOrder(`slow-${h.n}`, type);
    await waitFor(() => inFlight, 'the slow delivery to start');
    const before = Date.now();
    await placeOrder(`during-slow-${h.n}`, type);
    // Had the delivery held the (PGlite: only) connection, this write would wait ~2.5 s for it.
    expect(Date.now() - before).toBeLessThan(1200);
  });

  it('counts a timeout as a failure and retries', async () => {
    const { type, name } = fresh();
    let calls = 0;
    await start({
      name,
      types: [type],
      retry: fast,
      timeoutMs: 50,
      async deliver(_event, { signal }) {
        calls++;
        if (calls === 1) await new Promise((resolve) => signal.addEventListener('abort', resolve));
      },
    });
    const event = await placeOrder(`timeout-${h.n}`, type);
    await waitFor(async () => (await delivery(name, event.id))?.state === 'done', 'delivery after a timeout');
    expect(calls).toBe(2);
  });

  it('reports the backlog and its oldest age, and takes over a delivery whose worker died', async () => {
    const { type, name } = fresh();
    let open = false;
    await start({
      name,
      types: [type],
      retry: { baseDelayS: 0.5, maxDelayS: 0.5 },
      async deliver() {
        if (!open) throw new Error('closed');
      },
    });
    const event = await placeOrder(`backlog-${h.n}`, type);
    await waitFor(async () => ((await delivery(name, event.id))?.attempts ?? 0) >= 1, 'a failed attempt');
    await sleep(20);
    const backlog = await h.metrics.getSingleMetricAsString('pathways_outbox_backlog');
    expect(backlog).toContain(`pathways_outbox_backlog{consumer="${name}"} 1`);
    const age = await h.outbox.stats();
    expect(age.consumers.find((c) => c.consumer === name)?.oldestPendingAgeS).toBeGreaterThan(0);

    // A worker claimed it and died: its lease holds the delivery until it runs out...
    await h.db.query(
      `UPDATE outbox_delivery SET lease_until = now() + interval '1 day', next_attempt_at = now() WHERE consumer = $1`,
      [name],
    );
    open = true;
    await sleep(300);
    expect(await delivery(name, event.id)).toMatchObject({ state: 'pending', attempts: 1 });
    // ...and once it has run out, another worker claims it.
    await h.db.query(
      `UPDATE outbox_delivery SET lease_until = now() - interval '1 second' WHERE consumer = $1`,
      [name],
    );
    await waitFor(async () => (await delivery(name, event.id))?.state === 'done', 'delivery after the lease');
  });

  it('prunes old receipts and old events, but never one a consumer still waits on', async () => {
    const { type, name } = fresh();
    const { consumer } = recording(name, type);
    await start(consumer);
    const handled = await placeOrder(`old-handled-${h.n}`, type);
    await waitFor(async () => (await delivery(name, handled.id))?.state === 'done', 'delivery');
    const waiting = await placeOrder(`old-waiting-${h.n}`, type);
    await waitFor(async () => (await delivery(name, waiting.id))?.state === 'done', 'delivery');
    await h.stop(1000);
    // Age both by 60 days, and make the second one's delivery pending again (a consumer still waits).
    await h.db.query(
      `UPDATE outbox_delivery SET finished_at = now() - interval '60 days' WHERE consumer = $1`,
      [name],
    );
    await h.db.query(
      `UPDATE outbox_event SET occurred_at = now() - interval '60 days', dispatched_at = now() WHERE type = $1`,
      [type],
    );
    await h.db.query(`UPDATE outbox_delivery SET state = 'pending', finished_at = NULL WHERE event_id = $1`, [
      waiting.id,
    ]);
    const pruner = await start();
    const pruned = await pruner.prune();
    expect(pruned.deliveries).toBeGreaterThanOrEqual(1);
    const left = await h.db.query<{ id: string }>('SELECT id FROM outbox_event WHERE type = $1', [type]);
    expect(left.rows.map((row) => row.id)).toEqual([waiting.id]);
    expect(await delivery(name, waiting.id)).toMatchObject({ state: 'pending' });
  });

  it('waits for an in-flight delivery when stopping', async () => {
    const { type, name } = fresh();
    let started = false;
    await start({
      name,
      types: [type],
      async deliver() {
        started = true;
        await sleep(300);
      },
    });
    const event = await placeOrder(`stopping-${h.n}`, type);
    await waitFor(() => started, 'the delivery to start');
    await h.stop(5000);
    expect(await delivery(name, event.id)).toMatchObject({ state: 'done' });
  });

  // Two transactions open at once cannot happen on PGlite (one connection), so this case exists
  // only on the server; it is not defined, rather than skipped, for PGlite.
  const onServer = kind === 'postgres' ? it : () => {};
  onServer('dispatches an event that commits after a later one (lower seq, later commit)', async () => {
    const { type, name } = fresh();
    const { consumer } = recording(name, type);
    await start(consumer);
    let releaseSlow: () => void = () => {};
    const slowCanCommit = new Promise<void>((resolve) => {
      releaseSlow = resolve;
    });
    let slowEmitted: () => void = () => {};
    const slowHasEmitted = new Promise<void>((resolve) => {
      slowEmitted = resolve;
    });
    const slow = h.db.transaction(async (tx) => {
      const event = await emit(tx, { type, key: 'slow-key', payload: {} });
      slowEmitted();
      await slowCanCommit;
      return event;
    });
    await slowHasEmitted;
    const quick = await h.db.transaction((tx) => emit(tx, { type, key: 'quick-key', payload: {} }));
    await waitFor(async () => (await effects(name)).length === 1, 'the quick event');
    releaseSlow();
    const late = await slow;
    await waitFor(async () => (await effects(name)).length === 2, 'the late-committing event');
    const ids = (await effects(name)).map((row) => row.event_id);
    expect(ids).toEqual([quick.id, late.id]);
  });
});
