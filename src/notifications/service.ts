/**
 * The `notifications` service other capabilities use (context.services.get(NOTIFICATIONS_SERVICE)):
 *
 * - `sendNow` — one-time codes (sign-in, confirming a contact detail): sent at once, whatever the
 *   hour or the patient's consent, no retries; throws ProviderError when the provider does not
 *   accept it, so the caller can tell the user (`kind` says whether trying again may help).
 * - `enqueue` — anything else, in the caller's transaction, through the delivery pipeline
 *   (consent, quiet hours, retries, fallback to email, the worklist). Idempotent by `dedupeKey`.
 */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../platform/database/database.js';
import { enqueueNotification, type PipelineDeps } from './pipeline.js';
import { ProviderError, sendVia } from './provider.js';
import {
  type Channel,
  isOneTimeTemplate,
  MissingPersonalisation,
  type OneTimeTemplate,
  type Personalisation,
  type PipelineTemplate,
  render,
  TEMPLATES,
} from './templates.js';

export interface SendNowInput {
  channel: Channel;
  /** A UK mobile number or an email address. */
  to: string;
  template: OneTimeTemplate;
  /** `{ code }` */
  personalisation: Personalisation;
}

export interface EnqueueInput {
  /** `Patient/<id>` */
  patient: string;
  template: PipelineTemplate;
  personalisation: Personalisation;
  /** One notification per key, however often enqueued (e.g. `appointment-reminder:Appointment/1:2026-09-30`). */
  dedupeKey: string;
  /** Not before this instant (e.g. when a result becomes visible). */
  notBefore?: Date;
}

export interface NotificationsService {
  sendNow(input: SendNowInput): Promise<{ id: string }>;
  enqueue(tx: Queryable, input: EnqueueInput): Promise<{ id: string; created: boolean }>;
}

export function createNotificationsService(deps: PipelineDeps): NotificationsService {
  return {
    async sendNow(input) {
      if (input.channel !== 'sms' && input.channel !== 'email')
        throw new TypeError('channel must be sms or email');
      if (!isOneTimeTemplate(input.template))
        throw new TypeError(`sendNow is for one-time codes, not ${input.template}`);
      if (typeof input.to !== 'string' || input.to.trim() === '')
        throw new TypeError('to must be a phone number or email address');
      const personalisation = Object.fromEntries(
        Object.entries(input.personalisation).map(([key, value]) => [key, String(value)]),
      );
      try {
        render(TEMPLATES[input.template], input.channel, personalisation);
      } catch (error) {
        if (error instanceof MissingPersonalisation) throw new TypeError(error.message);
        throw error;
      }
      try {
        const id = await sendVia(deps.provider, input.channel, input.to.trim(), {
          templateId: deps.settings.templateIds[input.template][input.channel],
          personalisation,
          reference: randomUUID(),
        });
        deps.metrics.messages.inc({ channel: input.channel, outcome: 'accepted' });
        return { id };
      } catch (error) {
        const failure =
          error instanceof ProviderError
            ? error
            : new ProviderError('temporary', error instanceof Error ? error.message : String(error));
        deps.metrics.messages.inc({ channel: input.channel, outcome: `refused-${failure.kind}` });
        deps.log.warn(
          { channel: input.channel, template: input.template, kind: failure.kind, error: failure.message },
          'one-time code not accepted by the provider',
        );
        throw new ProviderError(
          failure.kind,
          `The ${input.channel === 'sms' ? 'text message' : 'email'} could not be sent (${failure.kind}): ${failure.message}`,
          failure.httpStatus,
        );
      }
    },
    enqueue(tx, input) {
      return enqueueNotification(tx, deps, input);
    },
  };
}
