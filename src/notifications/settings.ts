/**
 * The notifications capability's settings, from the environment (all optional). A bad value stops
 * the start with one ConfigError naming the variable.
 */
import { ConfigError, type Env, integer, text, url } from '../platform/config/config.js';
import type { PollSettings, RetrySettings } from './planner.js';
import { type Channel, TEMPLATES, type TemplateName } from './templates.js';

export interface NotificationSettings {
  retry: RetrySettings;
  poll: PollSettings;
  /** Per provider request. */
  providerTimeoutMs: number;
  /** How often the safety net looks for notifications whose job was lost. */
  sweepIntervalMs: number;
  /** Delivery jobs run at once by this process. */
  concurrency: number;
  /** The link in every message. */
  portalUrl: string;
  /** The provider's template id for each of our templates and channels. */
  templateIds: Record<TemplateName, Record<Channel, string>>;
  /** Templates NOTIFY_TEMPLATE_IDS maps (the others use our own ids). */
  mappedTemplates: TemplateName[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY_MS = 86_400_000;

function templateIds(env: Env): Pick<NotificationSettings, 'templateIds' | 'mappedTemplates'> {
  const ids = Object.fromEntries(
    Object.values(TEMPLATES).map((definition) => [definition.name, { ...definition.ids }]),
  ) as Record<TemplateName, Record<Channel, string>>;
  const raw = text(env, 'NOTIFY_TEMPLATE_IDS');
  if (raw === undefined) return { templateIds: ids, mappedTemplates: [] };
  const fail = (detail: string): never => {
    throw new ConfigError('NOTIFY_TEMPLATE_IDS', detail);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    fail('must be a JSON object, e.g. {"result-available":{"sms":"<uuid>","email":"<uuid>"}}');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) fail('must be a JSON object');
  const mapped: TemplateName[] = [];
  for (const [name, channels] of Object.entries(parsed as Record<string, unknown>)) {
    if (!(name in TEMPLATES))
      fail(`unknown template "${name}" (known: ${Object.keys(TEMPLATES).join(', ')})`);
    if (typeof channels !== 'object' || channels === null)
      fail(`"${name}" must map sms and/or email to template ids`);
    for (const [channel, id] of Object.entries(channels as Record<string, unknown>)) {
      if (channel !== 'sms' && channel !== 'email')
        fail(`"${name}": channel must be sms or email, got "${channel}"`);
      if (typeof id !== 'string' || !UUID.test(id))
        fail(`"${name}.${channel}" must be a Notify template id (UUID)`);
      ids[name as TemplateName][channel as Channel] = id as string;
    }
    mapped.push(name as TemplateName);
  }
  return { templateIds: ids, mappedTemplates: mapped };
}

export function loadSettings(env: Env, publicUrl: string): NotificationSettings {
  return {
    retry: {
      attempts: integer(env, 'NOTIFICATIONS_ATTEMPTS', 5, 1, 20),
      firstDelayMs: integer(env, 'NOTIFICATIONS_RETRY_DELAY_MS', 240_000, 10, DAY_MS),
      maxDelayMs: integer(env, 'NOTIFICATIONS_RETRY_MAX_DELAY_MS', 1_800_000, 10, DAY_MS),
    },
    poll: {
      firstDelayMs: integer(env, 'NOTIFICATIONS_POLL_DELAY_MS', 5_000, 10, 3_600_000),
      maxDelayMs: integer(env, 'NOTIFICATIONS_POLL_MAX_DELAY_MS', 600_000, 10, DAY_MS),
      // Notify keeps trying an undeliverable message for 72 hours before it says temporary-failure.
      giveUpMs: integer(env, 'NOTIFICATIONS_RECEIPT_TIMEOUT_S', 74 * 3600, 1, 14 * 86_400) * 1000,
    },
    providerTimeoutMs: integer(env, 'NOTIFY_TIMEOUT_MS', 10_000, 100, 120_000),
    sweepIntervalMs: 30_000,
    concurrency: 8,
    portalUrl: url(env, 'NOTIFICATIONS_PORTAL_URL', ['http:', 'https:']) ?? publicUrl,
    ...templateIds(env),
  };
}
