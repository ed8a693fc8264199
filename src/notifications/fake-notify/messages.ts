/**
 * The fake's handling of one send request, with Notify's validation and error wording (pure):
 * the JSON body in, a stored message or a Notify error out.
 */
import { isEmailAddress, ukMobileProblem } from '../recipients.js';
import type { Channel } from '../templates.js';
import { fillPlaceholders, MissingPersonalisation, templateById } from '../templates.js';
import { type FinalStatus, finalStatusFor } from './test-recipients.js';

export interface NotifyError {
  status: number;
  error: string;
  message: string;
}

export interface FakeTemplate {
  type: Channel;
  body: string;
  subject?: string;
}

/** Templates the fake knows: Pathways' own by default, or any id when `'any'`. */
export type TemplateSource = 'pathways' | 'any' | ReadonlyMap<string, FakeTemplate>;

export interface AcceptedMessage {
  type: Channel;
  to: string;
  templateId: string;
  personalisation: Record<string, string>;
  reference: string | null;
  body: string;
  subject?: string;
  finalStatus: FinalStatus;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string): boolean => UUID.test(value);

const validation = (message: string): NotifyError => ({ status: 400, error: 'ValidationError', message });
const badRequest = (message: string): NotifyError => ({ status: 400, error: 'BadRequestError', message });

function findTemplate(source: TemplateSource, id: string, type: Channel): FakeTemplate | undefined {
  if (source === 'any')
    return { type, body: `Template ${id}`, ...(type === 'email' ? { subject: 'Message' } : {}) };
  if (source === 'pathways') {
    const found = templateById(id);
    if (!found) return undefined;
    return found.channel === 'sms'
      ? { type: 'sms', body: found.definition.sms }
      : { type: 'email', body: found.definition.email.body, subject: found.definition.email.subject };
  }
  return source.get(id);
}

export function acceptSend(
  type: Channel,
  body: unknown,
  templates: TemplateSource,
): AcceptedMessage | NotifyError {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return badRequest('Invalid JSON supplied in POST data');
  }
  const input = body as Record<string, unknown>;
  const recipientField = type === 'sms' ? 'phone_number' : 'email_address';
  for (const field of ['template_id', recipientField]) {
    if (input[field] === undefined) return validation(`${field} is a required property`);
  }
  const templateId = input.template_id;
  if (typeof templateId !== 'string' || !isUuid(templateId))
    return validation('template_id is not a valid UUID');
  const to = input[recipientField];
  if (typeof to !== 'string')
    return validation(`${recipientField} ${JSON.stringify(to)} is not of type string`);
  const personalisation = input.personalisation ?? {};
  if (typeof personalisation !== 'object' || personalisation === null || Array.isArray(personalisation)) {
    return validation('personalisation is not of type object');
  }
  const reference = input.reference;
  if (reference !== undefined && reference !== null && typeof reference !== 'string') {
    return validation('reference is not of type string, null');
  }
  const template = findTemplate(templates, templateId, type);
  if (!template) return badRequest('Template not found');
  if (template.type !== type)
    return badRequest(`${type} template is not suitable for ${template.type} notification`);
  if (type === 'sms') {
    const problem = ukMobileProblem(to);
    if (problem) return validation(`phone_number ${problem}`);
  } else if (!isEmailAddress(to)) {
    return validation('email_address Not a valid email address');
  }
  const values = Object.fromEntries(
    Object.entries(personalisation).map(([key, value]) => [key, String(value)]),
  );
  try {
    return {
      type,
      to,
      templateId,
      personalisation: values,
      reference: typeof reference === 'string' ? reference : null,
      body: fillPlaceholders(template.body, values),
      ...(template.subject !== undefined ? { subject: fillPlaceholders(template.subject, values) } : {}),
      finalStatus: finalStatusFor(type, to),
    };
  } catch (error) {
    if (error instanceof MissingPersonalisation)
      return badRequest(`Missing personalisation: ${error.fields.join(', ')}`);
    throw error;
  }
}

export function errorBody(error: NotifyError): {
  status_code: number;
  errors: { error: string; message: string }[];
} {
  return { status_code: error.status, errors: [{ error: error.error, message: error.message }] };
}
