/** Test support for the feed's API tests: the whole service wired to a fake ePMS (not used at run time). */

import { FEED_CONSUMER } from '../../../src/feed/consumer.js';
import { FakeEpms } from '../../../src/feed/fake-epms/server.js';
import type { FeedEventType } from '../../../src/feed/wire-format.js';
import { type DomainEvent, emit } from '../../../src/platform/outbox/outbox.js';
import { startTestApp, type TestApp } from '../../app.js';
import type { DatabaseKind } from '../../databases.js';
import { waitFor } from '../platform/wait.js';

/** Short delays so retries happen within the test: first retry ≤ 20 ms, none more than 200 ms apart. */
export const FAST_FEED_ENV = {
  FEED_RETRY_BASE_MS: '20',
  FEED_RETRY_MAX_MS: '200',
  FEED_TIMEOUT_MS: '1000',
  FEED_CONCURRENCY: '8',
};

export interface FeedTestApp {
  app: TestApp;
  epms: FakeEpms;
  /** Emits one feed event in its own transaction, as prescribing or dispensing would. */
  emitFeedEvent(type: FeedEventType, prescriptionId: string, step?: number): Promise<DomainEvent>;
  /** The epms-feed delivery of an event. */
  delivery(
    eventId: string,
  ): Promise<{ state: string; attempts: number; last_error: string | null } | undefined>;
  /** Waits until no feed delivery is pending. */
  drained(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startFeedApp(
  kind: DatabaseKind,
  env: Record<string, string> = {},
): Promise<FeedTestApp> {
  const epms = new FakeEpms();
  const url = await epms.start();
  const app = await startTestApp(kind, { EPMS_URL: url, ...FAST_FEED_ENV, ...env });
  const key = await app.pathways.app.inject({ method: 'GET', url: '/pki/feed.pem' });
  await epms.trustKey(key.body);
  const { db } = app.pathways;
  const delivery: FeedTestApp['delivery'] = async (eventId) =>
    (
      await db.query<{ state: string; attempts: number; last_error: string | null }>(
        'SELECT state, attempts, last_error FROM outbox_delivery WHERE consumer = $1 AND event_id = $2',
        [FEED_CONSUMER, eventId],
      )
    ).rows[0];
  return {
    app,
    epms,
    emitFeedEvent: (type, prescriptionId, step = 1) =>
      db.transaction((tx) =>
        emit(tx, { type, key: prescriptionId, payload: feedPayload(type, prescriptionId, step) }),
      ),
    delivery,
    async drained(timeoutMs = 20_000) {
      await waitFor(
        async () => {
          const stats = await app.pathways.outbox.stats();
          const undispatched = stats.undispatched;
          const row = stats.consumers.find((consumer) => consumer.consumer === FEED_CONSUMER);
          return undispatched === 0 && (row?.pending ?? 0) === 0;
        },
        'the feed backlog to drain',
        timeoutMs,
      );
    },
    async close() {
      await app.close();
      await epms.close();
    },
  };
}

/** A payload shaped like the prescribing and dispensing capabilities' (docs/events.md). */
export function feedPayload(type: FeedEventType, prescriptionId: string, step: number) {
  const resourceType = type === 'claim' ? 'Claim' : type === 'dispense-withdraw' ? 'Task' : 'Bundle';
  return {
    prescriptionId,
    patient: 'Patient/feed-test-patient',
    resource: {
      resourceType,
      id: `${type}-${prescriptionId}-${step}`,
      meta: { tag: [{ code: `step-${step}` }] },
    },
  };
}
