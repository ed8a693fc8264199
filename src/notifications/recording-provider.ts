/**
 * The default provider (no NOTIFY_BASE_URL): renders each message from our templates, records it
 * in `notification_recorded` instead of sending it, and reports it delivered. It refuses what
 * Notify would refuse (not a UK mobile, not an email address), so the fallback to email and the
 * worklist behave in development as they will in production.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '../platform/database/database.js';
import { type DeliveryStatus, type NotificationProvider, ProviderError } from './provider.js';
import { isEmailAddress, ukMobileProblem } from './recipients.js';
import {
  type Channel,
  MissingPersonalisation,
  type Personalisation,
  render,
  type TemplateDefinition,
  templateById,
} from './templates.js';

export interface RecordedMessage {
  id: string;
  channel: Channel;
  recipient: string;
  template: string;
  reference: string | null;
  subject: string | null;
  body: string;
  created: string;
}

export function createRecordingProvider(db: Database): NotificationProvider {
  async function record(
    channel: Channel,
    to: string,
    templateId: string,
    personalisation: Personalisation,
    reference: string,
  ) {
    const found = templateById(templateId);
    if (!found || found.channel !== channel) {
      throw new ProviderError('permanent', `Template not found: ${templateId}`, 400);
    }
    const rendered = renderOrRefuse(found.definition, channel, personalisation);
    const id = randomUUID();
    await db.query(
      `INSERT INTO notification_recorded (id, channel, recipient, template, reference, subject, body)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [id, channel, to, found.definition.name, reference, rendered.subject ?? null, rendered.body],
    );
    return id;
  }

  return {
    name: 'recording',
    async sendSms(request) {
      const problem = ukMobileProblem(request.phoneNumber);
      if (problem) throw new ProviderError('permanent', `phone_number ${problem}`, 400);
      return record(
        'sms',
        request.phoneNumber,
        request.templateId,
        request.personalisation,
        request.reference,
      );
    },
    async sendEmail(request) {
      if (!isEmailAddress(request.emailAddress)) {
        throw new ProviderError('permanent', 'email_address Not a valid email address', 400);
      }
      return record(
        'email',
        request.emailAddress,
        request.templateId,
        request.personalisation,
        request.reference,
      );
    },
    async status(id): Promise<DeliveryStatus> {
      const found = await db.query('SELECT 1 FROM notification_recorded WHERE id = $1', [id]);
      if (found.rowCount === 0) throw new ProviderError('permanent', 'No result found', 404);
      return 'delivered';
    },
  };
}

function renderOrRefuse(definition: TemplateDefinition, channel: Channel, personalisation: Personalisation) {
  try {
    return render(definition, channel, personalisation);
  } catch (error) {
    if (error instanceof MissingPersonalisation) throw new ProviderError('permanent', error.message, 400);
    throw error;
  }
}

export async function recentRecorded(db: Database, limit: number): Promise<RecordedMessage[]> {
  const result = await db.query<{
    id: string;
    channel: Channel;
    recipient: string;
    template: string;
    reference: string | null;
    subject: string | null;
    body: string;
    created_at: Date | string;
  }>('SELECT * FROM notification_recorded ORDER BY created_at DESC, id LIMIT $1', [limit]);
  return result.rows.map((row) => ({
    id: row.id,
    channel: row.channel,
    recipient: row.recipient,
    template: row.template,
    reference: row.reference,
    subject: row.subject,
    body: row.body,
    created: new Date(row.created_at).toISOString(),
  }));
}

/** Recorded messages hold contact details and codes: they are kept a week. */
export async function pruneRecorded(db: Database, olderThanDays = 7): Promise<number> {
  const result = await db.query(
    `DELETE FROM notification_recorded WHERE created_at < now() - $1 * interval '1 day'`,
    [olderThanDays],
  );
  return result.rowCount;
}
