/** The services notifications provides to other capabilities, by typed key. */
import { defineService } from '../platform/capability.js';
import type { NotificationPreferencesService } from './preferences.js';
import type { NotificationsService } from './service.js';

export const NOTIFICATIONS_SERVICE = defineService<NotificationsService>('notifications');
export const NOTIFICATION_PREFERENCES_SERVICE =
  defineService<NotificationPreferencesService>('notification-preferences');
