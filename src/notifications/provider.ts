/**
 * The one provider interface the notifications code talks to: GOV.UK Notify's model (send by
 * template with personalisation, get an id back, ask for the status later), thin enough that the
 * recording provider and any Notify-compatible service fit behind it.
 */
import type { Channel, Personalisation } from './templates.js';

export type DeliveryStatus =
  | 'delivered'
  | 'sending'
  | 'temporary-failure'
  | 'permanent-failure'
  | 'technical-failure';

export interface SmsRequest {
  phoneNumber: string;
  templateId: string;
  personalisation: Personalisation;
  /** Our reference for the message (the notification id); never personal data. */
  reference: string;
}

export interface EmailRequest {
  emailAddress: string;
  templateId: string;
  personalisation: Personalisation;
  reference: string;
}

export interface NotificationProvider {
  readonly name: 'govuk-notify' | 'recording';
  /** Accepts the message and returns the provider's notification id; throws ProviderError. */
  sendSms(request: SmsRequest): Promise<string>;
  sendEmail(request: EmailRequest): Promise<string>;
  /** Where an accepted message has got to; throws ProviderError. */
  status(id: string): Promise<DeliveryStatus>;
}

/**
 * A refusal or failure to talk to the provider. `temporary` (5xx, 429, network, timeout): the same
 * request may succeed later. `permanent` (400 validation such as "not a UK mobile number", 403 bad
 * key): it will not, so the next channel is tried.
 */
export class ProviderError extends Error {
  constructor(
    readonly kind: 'temporary' | 'permanent',
    message: string,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

export function sendVia(
  provider: NotificationProvider,
  channel: Channel,
  to: string,
  request: Omit<SmsRequest, 'phoneNumber'>,
): Promise<string> {
  return channel === 'sms'
    ? provider.sendSms({ ...request, phoneNumber: to })
    : provider.sendEmail({ ...request, emailAddress: to });
}
