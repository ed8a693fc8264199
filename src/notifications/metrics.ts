/**
 * Notification metrics: each send and receipt by channel and outcome, each notification's end
 * (delivered or worklist), and the open worklist (read from the database on scrape, so every
 * replica reports the shared list).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Queryable } from '../platform/database/database.js';
import { sharedSnapshot } from '../platform/jobs/job-metrics.js';
import type { Logger } from '../platform/logging/logger.js';
import { countOpen } from './worklist-store.js';

export type MessageOutcome =
  | 'accepted'
  | 'delivered'
  | 'temporary-failure'
  | 'permanent-failure'
  | 'technical-failure'
  | 'refused-temporary'
  | 'refused-permanent'
  | 'overdue';

export interface NotificationMetrics {
  /** One per provider answer about a message: its send, or its final receipt. */
  messages: Counter<'channel' | 'outcome'>;
  /** One per notification when it ends. */
  finished: Counter<'outcome' | 'channel'>;
}

export function registerNotificationMetrics(
  registry: Registry,
  db: Queryable,
  log: Logger,
): NotificationMetrics {
  const open = sharedSnapshot(() => countOpen(db));
  new Gauge({
    name: 'pathways_notification_worklist_open',
    help: 'Notifications on the service-desk worklist not yet resolved',
    registers: [registry],
    async collect() {
      try {
        this.set(await open());
      } catch (error) {
        log.warn({ err: error }, 'notification worklist size unavailable');
      }
    },
  });
  return {
    messages: new Counter({
      name: 'pathways_notification_messages_total',
      help: 'Messages handed to the provider and their outcomes (accepted, refused-*, then delivered or *-failure), by channel',
      labelNames: ['channel', 'outcome'],
      registers: [registry],
    }),
    finished: new Counter({
      name: 'pathways_notifications_finished_total',
      help: 'Notifications ended, by outcome (delivered or worklist) and the channel that delivered them (none for the worklist)',
      labelNames: ['outcome', 'channel'],
      registers: [registry],
    }),
  };
}
