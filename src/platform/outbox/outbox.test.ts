import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../test/databases.js';
import { sleep, waitFor } from '../jobs/testing.js';
import { createLogger } from '../logging/logger.js';
import { createMetricsRegistry, type Registry } from '../metrics/metrics.js';
import { type Consumer, PermanentFailure, queueOf } from './consumer.js';
import { type DomainEvent, emit } from './events.js';
import { Outbox } from './outbox.js';

const log = createLogger({ level: 'silent' });
const fast = { baseDelayS: 0.03, maxDelayS: 0.06 };

describe.each(databaseKinds)('outbox on %s', (kind) => {
  let t: TestDatabase;
  let outbox: Outbox | undefined;
  let metrics: Registry;
  let n = 0;
  /** A fresh event type and consumer name per test, so tests sharing the database never meet. */
  const fresh = () => {
    n++;
    return { type: `test.event-${n}`, name: `test-consumer-${n}` };
  };

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    await t.db.exec(`
      CREATE TABLE test_order (id text PRIMARY KEY, status text NOT NULL);
      CREATE TABLE test_effect (consumer text NOT NULL, event_id uuid NOT NULL, key text NOT NULL, at_ms bigint NOT NULL);
    `);
  });
  afterAll(() => t.dispose());
  afterEach(async () => {
    await outbox?.stop(1000);
    outbox = undefined;
  });

  async function start(...consumers: Consumer[]): Promise<Outbox> {
    metrics = createMetricsRegistry({ defaults: false });
    outbox = new Outbox({
      db: t.db,
      log,
      metrics,
      jobPollIntervalMs: 20,
      cron: false,
      dispatchIntervalMs: 10,
      maintenanceIntervalMs: 60_000,
    });
    for (const consumer of consumers) outbox.register(consumer);
    await outbox.start();
    return outbox;
  }

  /** A domain write and its event in one transaction. */
  function placeOrder(id: string, type: string, key = id) {
    return t.db.transaction(async (tx) => {
      await tx.query('INSERT INTO test_order (id, status) VALUES ($1, $2)', [id, 'placed']);
      return emit(tx, { type, key, payload: { orderId: id } });
    });
  }

  async function effects(consumer: string) {
    const result = await t.db.query<{ event_id: string; key: string }>(
      'SELECT event_id, key FROM test_effect WHERE consumer = $1 ORDER BY at_ms',
      [consumer],
    );
    return result.rows;
  }

  async function delivery(consumer: string, eventId: string) {
    const result = await t.db.query<{ state: string; attempts: number; job_id: string }>(
      'SELECT state, attempts, job_id FROM outbox_delivery WHERE consumer = $1 AND event_id = $2',
      [consumer, eventId],
    );
    return result.rows[0];
  }

  /**
   * A consumer whose effect is a row in test_effect, written in the delivery's transaction; when
   * `fail` says so it throws after writing, which must roll the effect back.
   */
  function recording(
    name: string,
    type: string,
    options: { ordered?: boolean; fail?: (event: DomainEvent, calls: DomainEvent[]) => boolean } = {},
  ) {
    const calls: DomainEvent[] = [];
    const consumer: Consumer = {
      name,
      types: [type],
      retry: fast,
      ordered: options.ordered ?? false,
      concurrency: 8,
      async handle(event, { tx }) {
        calls.push(event);
        await tx.query('INSERT INTO test_effect (consumer, event_id, key, at_ms) VALUES ($1, $2, $3, $4)', [
          name,
          event.id,
          event.key,
          Date.now(),
        ]);
        if (options.fail?.(event, calls)) throw new Error(`transient failure on call ${calls.length}`);
      },
    };
    return { consumer, calls };
  }

  it('commits the event with the write, and emitting the same id again adds nothing', async () => {
    const { type } = fresh();
    const event = await placeOrder(`order-${n}`, type);
    expect(event).toMatchObject({ type, key: `order-${n}`, payload: { orderId: `order-${n}` } });
    expect(new Date(event.occurredAt).toISOString()).toBe(event.occurredAt);
    const again = await t.db.transaction((tx) =>
      emit(tx, { id: event.id, type, key: event.key, payload: { orderId: 'different' } }),
    );
    expect(again).toEqual(event);
    const stored = await t.db.query('SELECT payload FROM outbox_event WHERE type = $1', [type]);
    expect(stored.rows).toEqual([{ payload: { orderId: `order-${n}` } }]);
    await expect(
      t.db.transaction((tx) => emit(tx, { type: 'bad type!', key: 'k', payload: {} })),
    ).rejects.toThrow(/invalid event type/);
  });

  it('records neither event nor delivery when the write rolls back', async () => {
    const { type, name } = fresh();
    const { consumer, calls } = recording(name, type);
    await start(consumer);
    await expect(
      t.db.transaction(async (tx) => {
        await tx.query('INSERT INTO test_order (id, status) VALUES ($1, $2)', [`rolled-back-${n}`, 'placed']);
        await emit(tx, { type, key: `rolled-back-${n}`, payload: {} });
        throw new Error('validation failed after the emit');
      }),
    ).rejects.toThrow('validation failed');
    await outbox!.dispatchNow();
    await sleep(100);
    expect(calls).toHaveLength(0);
    expect((await t.db.query('SELECT 1 FROM outbox_event WHERE type = $1', [type])).rowCount).toBe(0);
    expect((await t.db.query('SELECT 1 FROM outbox_delivery WHERE consumer = $1', [name])).rowCount).toBe(0);
  });

  it('retries a consumer that throws twice: three calls, one effect', async () => {
    const { type, name } = fresh();
    const { consumer, calls } = recording(name, type, { fail: (_event, calls) => calls.length < 3 });
    await start(consumer);
    const event = await placeOrder(`retried-${n}`, type);
    await waitFor(async () => (await delivery(name, event.id))?.state === 'done', 'delivery');
    expect(calls.map((call) => call.id)).toEqual([event.id, event.id, event.id]);
    expect(await effects(name)).toHaveLength(1);
    expect(await delivery(name, event.id)).toMatchObject({ state: 'done', attempts: 2 });
    const delivered = await metrics.getSingleMetricAsString('pathways_outbox_delivered_total');
    expect(delivered).toContain(`pathways_outbox_delivered_total{consumer="${name}"} 1`);
    const failed = await metrics.getSingleMetricAsString('pathways_outbox_failed_attempts_total');
    expect(failed).toContain(`pathways_outbox_failed_attempts_total{consumer="${name}"} 2`);
  });

  it('ignores a redelivered event: the receipt makes the second delivery a no-op', async () => {
    const { type, name } = fresh();
    const { consumer, calls } = recording(name, type);
    await start(consumer);
    const event = await placeOrder(`redelivered-${n}`, type);
    await waitFor(async () => (await delivery(name, event.id))?.state === 'done', 'delivery');
    const { job_id: jobId } = (await delivery(name, event.id))!;
    // The same job runs again, as when pg-boss re-runs a job whose worker it thinks died...
    await t.db.query(`UPDATE pgboss.job SET state = 'retry', start_after = now() WHERE id = $1`, [jobId]);
    // ...and a stray second job turns up for the same delivery.
    await outbox!.jobs.send(queueOf(name), { eventId: event.id, key: event.key });
    await waitFor(async () => {
      const open = await t.db.query(`SELECT 1 FROM pgboss.job WHERE name = $1 AND state < 'completed'`, [
        queueOf(name),
      ]);
      return open.rowCount === 0;
    }, 'both jobs to run');
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
      t.db.transaction((tx) => emit(tx, { type, key, payload: { step } }));
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
    const first = await t.db.transaction((tx) => emit(tx, { type, key: 'rx-9', payload: { step: 1 } }));
    const second = await t.db.transaction((tx) => emit(tx, { type, key: 'rx-9', payload: { step: 2 } }));
    await waitFor(async () => (await delivery(name, second.id))?.state === 'done', 'the second event');
    expect(await delivery(name, first.id)).toMatchObject({ state: 'dead', attempts: 1 });
    expect(deadLetters).toEqual([`${first.id} PermanentFailure: 400 from ePMS`]);
    const stats = await outbox!.stats();
    expect(stats.consumers.find((c) => c.consumer === name)).toMatchObject({ pending: 0, dead: 1 });
    const gauge = await metrics.getSingleMetricAsString('pathways_outbox_dead_letters');
    expect(gauge).toContain(`pathways_outbox_dead_letters{consumer="${name}"} 1`);

    rejectFirst = false;
    expect(await outbox!.redrive(name, first.id)).toBe(true);
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
    const event = await placeOrder(`limited-${n}`, type);
    await waitFor(async () => (await delivery(name, event.id))?.state === 'dead', 'dead letter');
    expect(calls).toBe(3);
  });

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
    await placeOrder(`slow-${n}`, type);
    await waitFor(() => inFlight, 'the slow delivery to start');
    const before = Date.now();
    await placeOrder(`during-slow-${n}`, type);
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
    const event = await placeOrder(`timeout-${n}`, type);
    await waitFor(async () => (await delivery(name, event.id))?.state === 'done', 'delivery after a timeout');
    expect(calls).toBe(2);
  });

  it('reports the backlog and its oldest age, and repairs a delivery whose job was lost', async () => {
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
    const event = await placeOrder(`backlog-${n}`, type);
    await waitFor(async () => ((await delivery(name, event.id))?.attempts ?? 0) >= 1, 'a failed attempt');
    await sleep(20);
    const backlog = await metrics.getSingleMetricAsString('pathways_outbox_backlog');
    expect(backlog).toContain(`pathways_outbox_backlog{consumer="${name}"} 1`);
    const age = await outbox!.stats();
    expect(age.consumers.find((c) => c.consumer === name)?.oldestPendingAgeS).toBeGreaterThan(0);

    // Lose the job (as pg-boss retention would after a very long outage): repair re-enqueues it.
    await t.db.query('DELETE FROM pgboss.job WHERE name = $1', [queueOf(name)]);
    open = true;
    expect(await outbox!.repair()).toBe(1);
    await waitFor(async () => (await delivery(name, event.id))?.state === 'done', 'delivery after repair');
    expect(await outbox!.repair()).toBe(0);
  });

  it('prunes old receipts and old events, but never one a consumer still waits on', async () => {
    const { type, name } = fresh();
    const { consumer } = recording(name, type);
    await start(consumer);
    const handled = await placeOrder(`old-handled-${n}`, type);
    await waitFor(async () => (await delivery(name, handled.id))?.state === 'done', 'delivery');
    const waiting = await placeOrder(`old-waiting-${n}`, type);
    await waitFor(async () => (await delivery(name, waiting.id))?.state === 'done', 'delivery');
    await outbox!.stop(1000);
    outbox = undefined;
    // Age both by 60 days, and make the second one's delivery pending again (a consumer still waits).
    await t.db.query(
      `UPDATE outbox_delivery SET finished_at = now() - interval '60 days' WHERE consumer = $1`,
      [name],
    );
    await t.db.query(
      `UPDATE outbox_event SET occurred_at = now() - interval '60 days', dispatched_at = now() WHERE type = $1`,
      [type],
    );
    await t.db.query(`UPDATE outbox_delivery SET state = 'pending', finished_at = NULL WHERE event_id = $1`, [
      waiting.id,
    ]);
    const pruner = await start();
    const pruned = await pruner.prune();
    expect(pruned.deliveries).toBeGreaterThanOrEqual(1);
    const left = await t.db.query<{ id: string }>('SELECT id FROM outbox_event WHERE type = $1', [type]);
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
    const event = await placeOrder(`stopping-${n}`, type);
    await waitFor(() => started, 'the delivery to start');
    await outbox!.stop(5000);
    outbox = undefined;
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
    const slow = t.db.transaction(async (tx) => {
      const event = await emit(tx, { type, key: 'slow-key', payload: {} });
      slowEmitted();
      await slowCanCommit;
      return event;
    });
    await slowHasEmitted;
    const quick = await t.db.transaction((tx) => emit(tx, { type, key: 'quick-key', payload: {} }));
    await waitFor(async () => (await effects(name)).length === 1, 'the quick event');
    releaseSlow();
    const late = await slow;
    await waitFor(async () => (await effects(name)).length === 2, 'the late-committing event');
    const ids = (await effects(name)).map((row) => row.event_id);
    expect(ids).toEqual([quick.id, late.id]);
  });
});
