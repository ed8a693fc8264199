/**
 * The outbox tests' harness: a database with a domain table (`test_order`) and an effects table
 * (`test_effect`), an Outbox started with the given consumers and fast polling, and the writes and
 * look-ups the tests share. Call `outboxHarness(kind)` inside a `describe`: it registers the
 * set-up and tear-down hooks.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Database } from '../../../src/platform/database/database.js';
import { createLogger } from '../../../src/platform/logging/logger.js';
import { createMetricsRegistry, type Registry } from '../../../src/platform/metrics/metrics.js';
import type { Consumer } from '../../../src/platform/outbox/consumer.js';
import { type DomainEvent, emit } from '../../../src/platform/outbox/events.js';
import { Outbox, type ResolvePayloads } from '../../../src/platform/outbox/outbox.js';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from '../../databases.js';

export const log = createLogger({ level: 'silent' });
/** Retry back-off short enough for tests. */
export const fast = { baseDelayS: 0.03, maxDelayS: 0.06 };

export interface OutboxHarness {
  readonly db: Database;
  readonly metrics: Registry;
  /** The running outbox (after `start`). */
  readonly outbox: Outbox;
  /** The number of the current test's fresh type and consumer, for unique keys. */
  readonly n: number;
  /** A fresh event type and consumer name per test, so tests sharing the database never meet. */
  fresh(): { type: string; name: string };
  start(...consumers: Consumer[]): Promise<Outbox>;
  /** As start, with payload resolvers registered before the first delivery. */
  startResolving(resolvers: Record<string, ResolvePayloads>, ...consumers: Consumer[]): Promise<Outbox>;
  /** Stops the running outbox, waiting up to `ms` for in-flight deliveries. */
  stop(ms: number): Promise<void>;
  /** A domain write and its event in one transaction. */
  placeOrder(id: string, type: string, key?: string): Promise<DomainEvent>;
  /** The effects a consumer wrote, oldest first. */
  effects(consumer: string): Promise<{ event_id: string; key: string }[]>;
  delivery(consumer: string, eventId: string): Promise<{ state: string; attempts: number } | undefined>;
  /**
   * A consumer whose effect is a row in test_effect, written in the delivery's transaction; when
   * `fail` says so it throws after writing, which must roll the effect back.
   */
  recording(
    name: string,
    type: string,
    options?: { ordered?: boolean; fail?: (event: DomainEvent, calls: DomainEvent[]) => boolean },
  ): { consumer: Consumer; calls: DomainEvent[] };
}

export function outboxHarness(kind: DatabaseKind): OutboxHarness {
  let t: TestDatabase | undefined;
  let running: Outbox | undefined;
  let registry: Registry | undefined;
  let n = 0;
  const db = () => {
    if (!t) throw new Error('the test database is not set up yet');
    return t.db;
  };

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    await t.db.exec(`
      CREATE TABLE test_order (id text PRIMARY KEY, status text NOT NULL);
      CREATE TABLE test_effect (consumer text NOT NULL, event_id uuid NOT NULL, key text NOT NULL, at_ms bigint NOT NULL);
    `);
  });
  afterAll(() => t?.dispose());
  afterEach(async () => {
    await running?.stop(1000);
    running = undefined;
  });

  async function startResolving(
    resolvers: Record<string, ResolvePayloads>,
    ...consumers: Consumer[]
  ): Promise<Outbox> {
    registry = createMetricsRegistry({ defaults: false });
    running = new Outbox({
      db: db(),
      log,
      metrics: registry,
      jobPollIntervalMs: 20,
      cron: false,
      dispatchIntervalMs: 10,
      maintenanceIntervalMs: 60_000,
    });
    for (const consumer of consumers) running.register(consumer);
    for (const [type, resolve] of Object.entries(resolvers)) running.resolvePayloads(type, resolve);
    await running.start();
    return running;
  }

  return {
    get db() {
      return db();
    },
    get metrics() {
      if (!registry) throw new Error('the outbox has not been started');
      return registry;
    },
    get outbox() {
      if (!running) throw new Error('the outbox has not been started');
      return running;
    },
    get n() {
      return n;
    },
    fresh() {
      n++;
      return { type: `test.event-${n}`, name: `test-consumer-${n}` };
    },
    start: (...consumers) => startResolving({}, ...consumers),
    startResolving,
    async stop(ms) {
      const outbox = running;
      running = undefined;
      await outbox?.stop(ms);
    },
    placeOrder(id, type, key = id) {
      return db().transaction(async (tx) => {
        await tx.query('INSERT INTO test_order (id, status) VALUES ($1, $2)', [id, 'placed']);
        return emit(tx, { type, key, payload: { orderId: id } });
      });
    },
    async effects(consumer) {
      const result = await db().query<{ event_id: string; key: string }>(
        'SELECT event_id, key FROM test_effect WHERE consumer = $1 ORDER BY at_ms',
        [consumer],
      );
      return result.rows;
    },
    async delivery(consumer, eventId) {
      const result = await db().query<{ state: string; attempts: number }>(
        'SELECT state, attempts FROM outbox_delivery WHERE consumer = $1 AND event_id = $2',
        [consumer, eventId],
      );
      return result.rows[0];
    },
    recording(name, type, options = {}) {
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
    },
  };
}
