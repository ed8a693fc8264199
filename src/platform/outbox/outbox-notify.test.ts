/**
 * The dispatcher is woken by the commit of an event (LISTEN/NOTIFY, migration 0029) on
 * PostgreSQL, so a delivery does not wait for the next poll; on PGlite there is nothing to listen
 * on and polling is the only way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../test/databases.js';
import { fast, log } from '../../../test/support/platform/outbox.js';
import { waitFor } from '../../../test/support/platform/wait.js';
import { createMetricsRegistry } from '../metrics/metrics.js';
import type { DomainEvent } from './events.js';
import { emit } from './events.js';
import { Outbox } from './outbox.js';

describe.each(databaseKinds)('outbox wake-up on %s', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(() => t?.dispose());

  it(
    kind === 'postgres'
      ? 'delivers an event within moments though the dispatcher polls once a minute'
      : 'has no LISTEN: the dispatcher polls',
    async () => {
      if (kind === 'pglite') {
        expect(t.db.listen).toBeUndefined();
        return;
      }
      const seen: DomainEvent[] = [];
      const outbox = new Outbox({
        db: t.db,
        log,
        metrics: createMetricsRegistry({ defaults: false }),
        jobPollIntervalMs: 20,
        cron: false,
        dispatchIntervalMs: 60_000,
        maintenanceIntervalMs: 600_000,
      });
      outbox.register({
        name: 'notify-test',
        types: ['test.notified'],
        retry: fast,
        ordered: false,
        concurrency: 1,
        async handle(event) {
          seen.push(event);
        },
      });
      await outbox.start();
      try {
        // Past the first pass and the wake-up that follows LISTEN itself.
        await new Promise((resolve) => setTimeout(resolve, 500));
        const started = Date.now();
        const event = await t.db.transaction((tx) =>
          emit(tx, { type: 'test.notified', key: 'k', payload: {} }),
        );
        await waitFor(
          async () => seen.some((delivered) => delivered.id === event.id),
          'the delivery',
          10_000,
        );
        expect(Date.now() - started).toBeLessThan(10_000);
      } finally {
        await outbox.stop(1000);
      }
    },
  );
});
