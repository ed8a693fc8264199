/**
 * The outbox consumer `notifications`: turns business events into notification rows in the
 * event's receipt transaction, so each event gives its notification exactly once (the receipt,
 * and the row's dedupe key `event:<id>`, both guard it).
 */
import type { TransactionalConsumer } from '../platform/outbox/outbox.js';
import { enqueueNotification, type PipelineDeps } from './pipeline.js';
import { notificationFor, TRIGGER_EVENT_TYPES } from './triggers.js';

export function notificationConsumer(deps: PipelineDeps): TransactionalConsumer {
  return {
    name: 'notifications',
    types: [...TRIGGER_EVENT_TYPES],
    // Notifications read the payloads' references, never a resource: no read of the signed Bundle.
    payloads: 'stored',
    async handle(event, { tx }) {
      const outcome = notificationFor(event, { portalUrl: deps.settings.portalUrl });
      if ('skipped' in outcome) {
        if (outcome.skipped !== 'not-for-patients') {
          // Type and id only: payloads carry references that are personal data.
          deps.log[outcome.skipped === 'malformed' ? 'warn' : 'info'](
            { eventId: event.id, eventType: event.type, skipped: outcome.skipped },
            'event gives no notification',
          );
        }
        return;
      }
      await enqueueNotification(tx, deps, outcome.request);
    },
  };
}
