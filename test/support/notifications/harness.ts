/**
 * Test harness for the delivery pipeline: a private database, the real outbox and job runner
 * (fast polling), the notifications capability on a movable clock, and a fake Notify server
 * reached over real HTTP by the real client. Not used at run time.
 */
import { randomUUID } from 'node:crypto';
import type { ContactPoint, Patient } from '@medplum/fhirtypes';
import { createNotifications, type Notifications } from '../../../src/notifications/capability.js';
import { FakeNotifyServer } from '../../../src/notifications/fake-notify/server.js';
import type { NotificationSettings } from '../../../src/notifications/settings.js';
import {
  type Attempt,
  attemptsOf,
  loadNotification,
  type NotificationRow,
} from '../../../src/notifications/store.js';
import { itemForNotification, type WorklistItem } from '../../../src/notifications/worklist-store.js';
import { AuditTrail } from '../../../src/platform/audit/trail.js';
import type { AccessControl } from '../../../src/platform/auth/fastify.js';
import { type PlatformContext, ServiceRegistry } from '../../../src/platform/capability.js';
import { loadConfig } from '../../../src/platform/config/config.js';
import type { SecretKey } from '../../../src/platform/crypto/secret-box.js';
import { CapabilityRegistry } from '../../../src/platform/fhir/capability.js';
import { ResourceRules } from '../../../src/platform/fhir/resource-rules.js';
import { createResource } from '../../../src/platform/fhir/store/repository.js';
import { loadValidationDefinitions } from '../../../src/platform/fhir/validation/index.js';
import { createLogger } from '../../../src/platform/logging/logger.js';
import { createMetricsRegistry, type Registry } from '../../../src/platform/metrics/metrics.js';
import { type DomainEvent, emit, Outbox } from '../../../src/platform/outbox/outbox.js';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from '../../databases.js';
import { TEST_AUDIT_KEYS } from '../platform/audit.js';
import { waitFor } from '../platform/wait.js';

/** Real time shifted by an offset the test sets: time still passes, so back-off still elapses. */
/** Noon UTC today: daytime in London whatever the season, so no SMS is held for quiet hours. */
export function middayToday(): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 12)).toISOString();
}

/**
 * A clock that runs at the real rate from a settable instant. It starts at noon today, so that
 * tests behave the same whatever time of day they run (quiet hours start at 21:00 London).
 */
export class TestClock {
  #offsetMs = Date.parse(middayToday()) - Date.now();
  readonly now = (): Date => new Date(Date.now() + this.#offsetMs);
  setTo(iso: string): void {
    this.#offsetMs = Date.parse(iso) - Date.now();
  }
  advance(ms: number): void {
    this.#offsetMs += ms;
  }
}

/** Delays short enough for tests, with the production shape: 5 attempts per channel, doubling. */
export const FAST_SETTINGS: Partial<NotificationSettings> = {
  retry: { attempts: 5, firstDelayMs: 20, maxDelayMs: 40 },
  poll: { firstDelayMs: 30, maxDelayMs: 60, giveUpMs: 10_000 },
  sweepIntervalMs: 3_600_000,
};

export interface Harness {
  database: TestDatabase;
  outbox: Outbox;
  notifications: Notifications;
  services: ServiceRegistry;
  notify: FakeNotifyServer;
  clock: TestClock;
  metrics: Registry;
  /** Stores a Patient with these telecom entries; returns `Patient/<id>`. */
  patient(telecom: ContactPoint[], extra?: Partial<Patient>): Promise<string>;
  emit(type: string, payload: unknown, id?: string): Promise<DomainEvent>;
  /** The notification an event gave (waits for the consumer). */
  notificationOf(event: DomainEvent): Promise<NotificationRow>;
  /** Waits until the notification is delivered or on the worklist, and returns it. */
  finished(id: string): Promise<NotificationRow>;
  reload(id: string): Promise<NotificationRow>;
  attempts(id: string): Promise<Attempt[]>;
  worklistItem(id: string): Promise<WorklistItem | undefined>;
  close(): Promise<void>;
}

export async function startHarness(
  kind: DatabaseKind,
  options: { provider?: 'notify' | 'recording'; settings?: Partial<NotificationSettings> } = {},
): Promise<Harness> {
  loadValidationDefinitions();
  const notify = new FakeNotifyServer({ settleAfterMs: 40 });
  await notify.start();
  const database = await createTestDatabase(kind);
  const db = database.db;
  const env: Record<string, string> = {
    DATA_DIR: database.dataDir,
    PUBLIC_URL: 'http://pathways.test',
    ...(options.provider === 'recording'
      ? {}
      : { NOTIFY_BASE_URL: notify.url, NOTIFY_API_KEY: notify.apiKey }),
  };
  const config = loadConfig(env);
  const log = createLogger({ level: 'silent' });
  const metrics = createMetricsRegistry({ defaults: false });
  const audit = new AuditTrail({ db, log, metrics, keys: TEST_AUDIT_KEYS });
  const outbox = new Outbox({ db, log, metrics, jobPollIntervalMs: 25, dispatchIntervalMs: 20, cron: false });
  const clock = new TestClock();
  const services = new ServiceRegistry();
  const context: PlatformContext = {
    config,
    env,
    db,
    log,
    metrics,
    audit,
    outbox,
    // The pipeline needs no HTTP: access control and the secret key are the routes' business.
    access: undefined as unknown as AccessControl,
    capabilities: new CapabilityRegistry(),
    resourceRules: new ResourceRules(),
    secretKey: undefined as unknown as SecretKey,
    fhirBaseUrl: 'http://pathways.test/fhir/R4',
    services,
  };
  const notifications = await createNotifications(context, {
    now: clock.now,
    settings: { ...FAST_SETTINGS, ...options.settings },
  });
  await outbox.start();

  const reload = async (id: string) => {
    const row = await loadNotification(db, id);
    if (!row) throw new Error(`no notification ${id}`);
    return row;
  };
  return {
    database,
    outbox,
    notifications,
    services,
    notify,
    clock,
    metrics,
    async patient(telecom, extra = {}) {
      const id = randomUUID();
      await db.transaction((tx) =>
        createResource(tx, { resourceType: 'Patient', telecom, ...extra }, { id }),
      );
      return `Patient/${id}`;
    },
    emit(type, payload, id) {
      return db.transaction((tx) =>
        emit(tx, { type, key: `test-${randomUUID()}`, payload, ...(id ? { id } : {}) }),
      );
    },
    async notificationOf(event) {
      let found: string | undefined;
      await waitFor(async () => {
        const result = await db.query<{ id: string }>('SELECT id FROM notification WHERE dedupe_key = $1', [
          `event:${event.id}`,
        ]);
        found = result.rows[0]?.id;
        return found !== undefined;
      }, `a notification for ${event.type}`);
      return reload(found!);
    },
    async finished(id) {
      await waitFor(
        async () => ['delivered', 'worklist'].includes((await reload(id)).state),
        `notification ${id} to finish`,
        20_000,
      );
      return reload(id);
    },
    reload,
    attempts: (id) => attemptsOf(db, id),
    worklistItem: (id) => itemForNotification(db, id),
    async close() {
      await notifications.capability.stop?.();
      await outbox.stop(2000);
      await audit.close();
      await database.dispose();
      await notify.stop();
    },
  };
}

/** A mobile number and an email address, as Patient.telecom. */
export function telecom(contact: { mobile?: string; email?: string }): ContactPoint[] {
  return [
    ...(contact.mobile ? [{ system: 'phone' as const, use: 'mobile' as const, value: contact.mobile }] : []),
    ...(contact.email ? [{ system: 'email' as const, value: contact.email }] : []),
  ];
}

/** The value of a counter series in the registry's text output (0 when absent). */
export async function counterValue(
  metrics: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = await metrics.getSingleMetric(name)?.get();
  const match = metric?.values.find((value) =>
    Object.entries(labels).every(([key, expected]) => String(value.labels[key]) === expected),
  );
  return match?.value ?? 0;
}
