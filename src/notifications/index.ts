/**
 * Patient notifications (SMS, email) through GOV.UK Notify or the recording provider, with
 * consent, quiet hours, retries, email fallback and the service-desk worklist (HAZ-SILENT-NOTIFY).
 * What other capabilities need: the services' types and the error sendNow throws.
 */
export { notificationsCapability, notificationsCapabilityWith } from './capability.js';
export type { NotificationPreferences, NotificationPreferencesService } from './preferences.js';
export { ProviderError } from './provider.js';
export type { EnqueueInput, NotificationsService, SendNowInput } from './service.js';
export { NOTIFICATION_PREFERENCES_SERVICE, NOTIFICATIONS_SERVICE } from './services.js';
export type { OneTimeTemplate, PipelineTemplate } from './templates.js';
