/** The fake's success bodies, in the shapes Notify's API answers (pure). */
import type { AcceptedMessage } from './messages.js';

export interface FakeMessage extends AcceptedMessage {
  id: string;
  createdAt: string;
  /** When `sending` turns into the final status (epoch ms). */
  settlesAt: number;
}

export interface Links {
  baseUrl: string;
  serviceId: string;
}

function templateOf(message: FakeMessage, links: Links) {
  return {
    id: message.templateId,
    version: 1,
    uri: `${links.baseUrl}/services/${links.serviceId}/templates/${message.templateId}`,
  };
}

/** 201 to POST /v2/notifications/{sms,email}. */
export function sendResponse(message: FakeMessage, links: Links): object {
  const content =
    message.type === 'sms'
      ? { body: message.body, from_number: 'Pathways' }
      : {
          body: message.body,
          subject: message.subject,
          from_email: 'pathways@notifications.service.gov.uk',
          one_click_unsubscribe_url: null,
        };
  return {
    id: message.id,
    reference: message.reference,
    content,
    uri: `${links.baseUrl}/v2/notifications/${message.id}`,
    template: templateOf(message, links),
    ...(message.type === 'email' ? { scheduled_for: null } : {}),
  };
}

/** 200 to GET /v2/notifications/{id}. */
export function notificationResource(message: FakeMessage, status: string, links: Links): object {
  return {
    id: message.id,
    reference: message.reference,
    type: message.type,
    status,
    email_address: message.type === 'email' ? message.to : null,
    phone_number: message.type === 'sms' ? message.to : null,
    line_1: null,
    line_2: null,
    line_3: null,
    line_4: null,
    line_5: null,
    line_6: null,
    postcode: null,
    postage: null,
    template: templateOf(message, links),
    body: message.body,
    subject: message.subject ?? null,
    created_at: message.createdAt,
    created_by_name: null,
    sent_at: message.createdAt,
    completed_at: status === 'sending' ? null : new Date(message.settlesAt).toISOString(),
    scheduled_for: null,
    is_cost_data_ready: false,
  };
}
