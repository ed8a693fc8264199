/**
 * The messages Pathways sends, in plain English and in GOV.UK Notify's template syntax
 * (`((placeholder))`). They never carry clinical details: they say that something happened and
 * where to look ("You have a new test result"), never what it is, because a phone's lock screen
 * or a shared inbox is not a private place.
 *
 * Each template has our own ids (one per channel, as Notify templates are per channel). With a
 * real Notify service the operator creates the same templates there and maps our names to its ids
 * (NOTIFY_TEMPLATE_IDS); the recording provider and the fake Notify server render these texts.
 */
export type Channel = 'sms' | 'email';

/** Templates the delivery pipeline sends (with retries, fallback and the worklist). */
export const PIPELINE_TEMPLATES = [
  'prescription-sent-to-pharmacy',
  'prescription-at-pharmacy',
  'appointment-booked',
  'appointment-cancelled',
  'appointment-rescheduled',
  'appointment-reminder',
  'result-available',
  'repeat-request-approved',
  'repeat-request-declined',
  'prescription-ready-to-collect',
] as const;
export type PipelineTemplate = (typeof PIPELINE_TEMPLATES)[number];

/** One-time codes, sent at once by `sendNow` (no quiet hours, no consent check, no retries). */
export const ONE_TIME_TEMPLATES = ['sign-in-code', 'verify-contact', 'unlock-code'] as const;
export type OneTimeTemplate = (typeof ONE_TIME_TEMPLATES)[number];

export type TemplateName = PipelineTemplate | OneTimeTemplate;

export interface TemplateDefinition {
  name: TemplateName;
  ids: Record<Channel, string>;
  /** The personalisation every rendering needs. */
  fields: readonly string[];
  sms: string;
  email: { subject: string; body: string };
}

const FOOTER = '\n\nThis is an automated message from Pathways. Do not reply to this email.';

function define(
  name: TemplateName,
  ids: [sms: string, email: string],
  fields: string[],
  sms: string,
  subject: string,
  body: string,
): TemplateDefinition {
  return { name, ids: { sms: ids[0], email: ids[1] }, fields, sms, email: { subject, body: body + FOOTER } };
}

const LINK = ['portalUrl'];
const WHEN = ['when', 'portalUrl'];

export const TEMPLATES: Readonly<Record<TemplateName, TemplateDefinition>> = Object.freeze({
  'prescription-sent-to-pharmacy': define(
    'prescription-sent-to-pharmacy',
    ['deb60df5-33cb-4834-9b58-21d441d975ea', 'fafef9df-8853-434e-8816-90ce82129e2f'],
    LINK,
    'Your prescription has been sent to your nominated pharmacy. See its progress at ((portalUrl))',
    'Your prescription has been sent to your pharmacy',
    'Your prescription has been sent to your nominated pharmacy.\n\nYou can see its progress by signing in at ((portalUrl))',
  ),
  'prescription-at-pharmacy': define(
    'prescription-at-pharmacy',
    ['9dd8a95a-4cf0-4aab-9559-1fbc9ed6e025', '64476027-b197-47ae-9254-f2fbd2707a0d'],
    LINK,
    'Your pharmacy has your prescription and is getting it ready. See its progress at ((portalUrl))',
    'Your pharmacy has your prescription',
    'Your pharmacy has received your prescription and is getting it ready.\n\nYou can see its progress by signing in at ((portalUrl))',
  ),
  'appointment-booked': define(
    'appointment-booked',
    ['63fdf447-ea3a-4e3d-885e-48474f3d6030', 'f2580d2d-ebec-48a8-9c91-54b151e06f5f'],
    WHEN,
    'Your hospital appointment is booked for ((when)). For details or to change it, sign in at ((portalUrl))',
    'Your hospital appointment is booked',
    'Your hospital appointment is booked for ((when)).\n\nFor details, or to change or cancel it, sign in at ((portalUrl))',
  ),
  'appointment-cancelled': define(
    'appointment-cancelled',
    ['1ac42fbd-4723-4361-b7c9-367be0169650', '92759cfd-472f-4594-8dcf-54c49bdc9567'],
    WHEN,
    'Your hospital appointment on ((when)) has been cancelled. For details, sign in at ((portalUrl))',
    'Your hospital appointment has been cancelled',
    'Your hospital appointment on ((when)) has been cancelled.\n\nFor details, sign in at ((portalUrl))',
  ),
  'appointment-rescheduled': define(
    'appointment-rescheduled',
    ['2817e8b7-98c1-4b2b-8186-de08b7305332', 'faebbad3-bb7f-4c14-85bb-5b445226be9a'],
    WHEN,
    'Your hospital appointment has moved to ((when)). For details or to change it, sign in at ((portalUrl))',
    'Your hospital appointment has moved',
    'Your hospital appointment has moved to ((when)).\n\nFor details, or to change or cancel it, sign in at ((portalUrl))',
  ),
  'appointment-reminder': define(
    'appointment-reminder',
    ['78c362ce-9b4d-40e7-9c7c-61ff64042945', 'fd39b03b-eea8-4eac-a824-8d19a99c8391'],
    WHEN,
    'Reminder: you have a hospital appointment on ((when)). For details or to change it, sign in at ((portalUrl))',
    'Reminder: your hospital appointment',
    'This is a reminder that you have a hospital appointment on ((when)).\n\nFor details, or to change or cancel it, sign in at ((portalUrl))',
  ),
  'result-available': define(
    'result-available',
    ['8b82f323-50a8-4553-b724-73535dbb2166', '0af3b201-9679-466e-a6ba-591d878fca69'],
    LINK,
    'You have a new test result in the patient portal. Sign in to see it at ((portalUrl))',
    'You have a new test result',
    'You have a new test result in the patient portal.\n\nSign in to see it at ((portalUrl))',
  ),
  'repeat-request-approved': define(
    'repeat-request-approved',
    ['32ba6ff0-e954-48a2-90ba-7b4fa016b284', '0e0c9c06-c368-402e-9cd4-417675f89bab'],
    LINK,
    'Your repeat prescription request has been approved. See its progress at ((portalUrl))',
    'Your repeat prescription request has been approved',
    'Your repeat prescription request has been approved.\n\nYou can see its progress by signing in at ((portalUrl))',
  ),
  'repeat-request-declined': define(
    'repeat-request-declined',
    ['6ef3f23f-d7f4-44f3-8ef7-c528b6b9e115', 'fc8001c7-f014-43f2-9bef-f2d3a58c4b89'],
    LINK,
    'Your GP practice has replied to your repeat prescription request. Sign in to read it at ((portalUrl))',
    'Your GP practice has replied to your repeat prescription request',
    'Your GP practice has replied to your repeat prescription request.\n\nSign in to read the reply at ((portalUrl))',
  ),
  'prescription-ready-to-collect': define(
    'prescription-ready-to-collect',
    ['a1375330-e321-42dd-a2ba-2b86efbce276', 'cb3800fc-82a4-472e-bbf9-392a6dda8fae'],
    LINK,
    'Your pharmacy says your prescription is ready to collect. See the details at ((portalUrl))',
    'Your prescription is ready to collect',
    'Your pharmacy says your prescription is ready to collect.\n\nYou can see which pharmacy has it by signing in at ((portalUrl))',
  ),
  'sign-in-code': define(
    'sign-in-code',
    ['33232431-fdc5-49f9-bb3d-852286e7675b', 'cbe03f2e-21ed-4694-828f-03d955d36267'],
    ['code'],
    '((code)) is your Pathways sign-in code. Do not share it with anyone.',
    'Your Pathways sign-in code',
    'Your Pathways sign-in code is ((code))\n\nDo not share it with anyone. If you did not try to sign in, you can ignore this email.',
  ),
  'unlock-code': define(
    'unlock-code',
    ['3c0f4f5e-8a55-4f0e-9d0b-5b7f3f2d6a41', 'a4d7e2b9-61c3-4c8e-b2f5-0e9d8c7b6a53'],
    ['code'],
    '((code)) is your code to unlock your Pathways account. If you did not ask for it, ignore this message.',
    'Unlock your Pathways account',
    'Your code to unlock your Pathways account is ((code))\n\nIt lasts 10 minutes. If you did not ask for it, someone may be trying to sign in as you: you can ignore this email, and your account stays locked.',
  ),
  'verify-contact': define(
    'verify-contact',
    ['7ad30303-b039-4a5b-817e-77912d06518d', 'd5bbbf02-7d19-4679-ae11-b47a1d9b5dfd'],
    ['code'],
    '((code)) is your code to confirm this number for Pathways. If you did not ask for it, ignore this message.',
    'Confirm your email address for Pathways',
    'Your code to confirm this email address for Pathways is ((code))\n\nIf you did not ask for it, you can ignore this email.',
  ),
});

export function isPipelineTemplate(name: string): name is PipelineTemplate {
  return (PIPELINE_TEMPLATES as readonly string[]).includes(name);
}

export function isOneTimeTemplate(name: string): name is OneTimeTemplate {
  return (ONE_TIME_TEMPLATES as readonly string[]).includes(name);
}

export type Personalisation = Record<string, string>;

export class MissingPersonalisation extends Error {
  constructor(readonly fields: string[]) {
    super(`Missing personalisation: ${fields.join(', ')}`);
    this.name = 'MissingPersonalisation';
  }
}

const PLACEHOLDER = /\(\(([^()]+)\)\)/g;

/** The placeholders a text uses, as Notify reads them (trimmed; names are case-insensitive). */
export function placeholdersOf(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((match) => match[1]!.trim());
}

/** Fills `((placeholders))` the way Notify does; throws MissingPersonalisation for any left unfilled. */
export function fillPlaceholders(text: string, personalisation: Personalisation): string {
  const byName = new Map(Object.entries(personalisation).map(([key, value]) => [key.toLowerCase(), value]));
  const missing = placeholdersOf(text).filter((name) => !byName.has(name.toLowerCase()));
  if (missing.length > 0) throw new MissingPersonalisation([...new Set(missing)]);
  return text.replace(PLACEHOLDER, (_, name: string) => byName.get(name.trim().toLowerCase()) ?? '');
}

export interface RenderedMessage {
  subject?: string;
  body: string;
}

export function render(definition: TemplateDefinition, channel: Channel, personalisation: Personalisation) {
  if (channel === 'sms')
    return { body: fillPlaceholders(definition.sms, personalisation) } as RenderedMessage;
  return {
    subject: fillPlaceholders(definition.email.subject, personalisation),
    body: fillPlaceholders(definition.email.body, personalisation),
  } as RenderedMessage;
}

/** Our template and channel for one of our own template ids. */
export function templateById(id: string): { definition: TemplateDefinition; channel: Channel } | undefined {
  for (const definition of Object.values(TEMPLATES)) {
    if (definition.ids.sms === id) return { definition, channel: 'sms' };
    if (definition.ids.email === id) return { definition, channel: 'email' };
  }
  return undefined;
}
