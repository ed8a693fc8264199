/** GOV.UK Notify through its own client (notifications-node-client), when NOTIFY_BASE_URL and NOTIFY_API_KEY are set. */
import { NotifyClient } from 'notifications-node-client';
import { classifyNotifyError, statusFromNotify } from './notify-errors.js';
import type { DeliveryStatus, EmailRequest, NotificationProvider, SmsRequest } from './provider.js';

type RestClient = (options: Record<string, unknown>) => Promise<unknown>;

export function createNotifyProvider(options: {
  baseUrl: string;
  apiKey: string;
  /** Per request; a call still unanswered after this counts as a temporary failure. */
  timeoutMs: number;
}): NotificationProvider {
  const client = new NotifyClient(options.baseUrl, options.apiKey);
  // The client sets no timeout; wrap its own axios call with one rather than depend on axios here.
  const api = client.apiClient as { restClient: RestClient };
  const original = api.restClient;
  client.setClient(((request: Record<string, unknown>) =>
    original({ ...request, timeout: options.timeoutMs })) as unknown as Parameters<
    NotifyClient['setClient']
  >[0]);

  async function call<T>(work: () => Promise<{ data: T }>): Promise<T> {
    try {
      return (await work()).data;
    } catch (error) {
      throw classifyNotifyError(error);
    }
  }

  return {
    name: 'govuk-notify',
    async sendSms(request: SmsRequest) {
      const data = await call(() =>
        client.sendSms(request.templateId, request.phoneNumber, {
          personalisation: request.personalisation,
          reference: request.reference,
        }),
      );
      return data.id;
    },
    async sendEmail(request: EmailRequest) {
      const data = await call(() =>
        client.sendEmail(request.templateId, request.emailAddress, {
          personalisation: request.personalisation,
          reference: request.reference,
        }),
      );
      return data.id;
    },
    async status(id: string): Promise<DeliveryStatus> {
      const data = await call(() => client.getNotificationById(id));
      return statusFromNotify(data.status);
    },
  };
}
