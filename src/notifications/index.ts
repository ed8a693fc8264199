/**
 * Patient notifications (SMS, email) through GOV.UK Notify or the recording provider, with
 * consent, quiet hours, retries, email fallback and the service-desk worklist (HAZ-SILENT-NOTIFY).
 */
import type { CapabilityFactory } from '../platform/capability.js';
import { createNotifications, type NotificationsOptions } from './capability.js';

export type { NotificationPreferences, NotificationPreferencesService } from './preferences.js';
export { ProviderError } from './provider.js';
export type { EnqueueInput, NotificationsService, SendNowInput } from './service.js';
export type { OneTimeTemplate, PipelineTemplate } from './templates.js';

/** The capability with settings from the environment; `notificationsWith` for tests. */
export const notifications: CapabilityFactory = async (context) => (await createNotifications(context)).capability;

export function notificationsWith(options: NotificationsOptions): CapabilityFactory {
  return async (context) => (await createNotifications(context, options)).capability;
}
