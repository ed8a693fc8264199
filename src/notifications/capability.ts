/**
 * Wires the notifications capability: provider (GOV.UK Notify when configured, else recording),
 * the outbox consumer, the delivery job queue, the safety-net sweep, the services
 * `notifications` and `notification-preferences`, and the service-desk routes.
 */

import { clinicalSafetyCounter } from '../platform/auth/safety-events.js';
import type { Capability, CapabilityFactory, PlatformContext } from '../platform/capability.js';
import { notificationConsumer } from './consumer.js';
import { deliverHandler } from './deliver-job.js';
import { registerNotificationMetrics } from './metrics.js';
import { createNotifyProvider } from './notify-provider.js';
import { DELIVER_QUEUE, type PipelineDeps } from './pipeline.js';
import { createPreferences, type NotificationPreferencesService } from './preferences.js';
import type { NotificationProvider } from './provider.js';
import { createRecordingProvider, pruneRecorded } from './recording-provider.js';
import { notificationRoutes } from './routes.js';
import { createNotificationsService, type NotificationsService } from './service.js';
import { NOTIFICATION_PREFERENCES_SERVICE, NOTIFICATIONS_SERVICE } from './services.js';
import { loadSettings, type NotificationSettings } from './settings.js';
import { sweep } from './sweep.js';
import { TEMPLATES } from './templates.js';

export interface NotificationsOptions {
  /** The clock for quiet hours, not-before times and back-off (tests move it). */
  now?: () => Date;
  /** Overrides of the settings read from the environment (tests shorten the delays). */
  settings?: Partial<NotificationSettings>;
}

export interface Notifications {
  capability: Capability;
  service: NotificationsService;
  preferences: NotificationPreferencesService;
  provider: NotificationProvider;
  /** One safety-net pass now (it also runs every `sweepIntervalMs`); returns how many it re-enqueued. */
  sweep(): Promise<number>;
}

/** Wakes sooner than the job runner's poll only for delays this short. */
const MAX_WAKE_DELAY_MS = 10 * 60_000;

export async function createNotifications(
  context: PlatformContext,
  options: NotificationsOptions = {},
): Promise<Notifications> {
  const { config, db, outbox } = context;
  const log = context.log.child({ component: 'notifications' });
  const settings: NotificationSettings = {
    ...loadSettings(context.env, config.publicUrl),
    ...options.settings,
  };
  const now = options.now ?? (() => new Date());
  const provider = config.notify
    ? createNotifyProvider({ ...config.notify, timeoutMs: settings.providerTimeoutMs })
    : createRecordingProvider(db);
  if (config.notify) {
    const unmapped = Object.keys(TEMPLATES).filter(
      (name) => !settings.mappedTemplates.includes(name as never),
    );
    if (unmapped.length > 0) {
      // Notify refuses unknown template ids (400): those messages fall back and end on the worklist.
      log.warn(
        { unmapped },
        'NOTIFY_TEMPLATE_IDS does not map every template; Notify must know our own ids for these',
      );
    }
  }

  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  const wake = (delayMs: number) => {
    if (stopped || delayMs > MAX_WAKE_DELAY_MS) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      outbox.jobs.notify(DELIVER_QUEUE);
    }, delayMs + 20);
    timer.unref();
    timers.add(timer);
  };
  const preferences = createPreferences(now);
  const deps: PipelineDeps = {
    db,
    jobs: outbox.jobs,
    provider,
    preferences,
    settings,
    metrics: registerNotificationMetrics(context.metrics, db, log),
    safetyEvents: clinicalSafetyCounter(context.metrics),
    log,
    now,
    wake,
  };

  // A failing step (database away) is retried by the runner; outcomes schedule their own jobs.
  await outbox.jobs.createQueue(DELIVER_QUEUE, {
    retry: { baseDelayS: 1, maxDelayS: 60 },
    expireInS: Math.ceil((2 * settings.providerTimeoutMs) / 1000) + 60,
  });
  outbox.jobs.work(DELIVER_QUEUE, deliverHandler(deps), { concurrency: settings.concurrency });
  outbox.register(notificationConsumer(deps));

  const service = createNotificationsService(deps);
  context.services.provide(NOTIFICATIONS_SERVICE, service);
  context.services.provide(NOTIFICATION_PREFERENCES_SERVICE, preferences);

  const runSweep = async () => {
    const count = await sweep(deps);
    if (provider.name === 'recording') await pruneRecorded(db);
    return count;
  };
  const sweeper = setInterval(() => {
    runSweep().catch((error: unknown) => log.warn({ err: error }, 'notification sweep failed'));
  }, settings.sweepIntervalMs);
  sweeper.unref();

  const capability: Capability = {
    name: 'notifications',
    routes: notificationRoutes({
      db,
      audit: context.audit,
      access: context.access,
      now,
      recording: provider.name === 'recording',
    }),
    async seedDemo() {
      return provider.name === 'recording'
        ? [
            'Notifications: recorded, not sent (set NOTIFY_BASE_URL and NOTIFY_API_KEY to send through GOV.UK Notify);',
            '  see them as demo-service-desk at GET /admin/notifications/recorded, undeliverable ones at GET /admin/notifications/worklist',
          ]
        : [];
    },
    async stop() {
      stopped = true;
      clearInterval(sweeper);
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
  return { capability, service, preferences, provider, sweep: runSweep };
}

/** The capability, with its settings from the environment (the line in src/capabilities.ts). */
export const notificationsCapability: CapabilityFactory = async (context) =>
  (await createNotifications(context)).capability;

/** The same with options (a test clock, shorter delays). */
export function notificationsCapabilityWith(options: NotificationsOptions): CapabilityFactory {
  return async (context) => (await createNotifications(context, options)).capability;
}
