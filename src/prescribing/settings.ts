/** Prescribing's own settings, read from the environment at start (a bad value stops the start). */
import { ConfigError, type Env, text } from '../platform/config/config.js';

export interface PrescribingSettings {
  /** pg-boss cron for the expiry job (default every 5 minutes). */
  expiryCron: string;
}

const CRON = /^(\S+\s+){4}\S+$/;

export function prescribingSettings(env: Env): PrescribingSettings {
  const expiryCron = text(env, 'PRESCRIPTION_EXPIRY_CRON') ?? '*/5 * * * *';
  if (!CRON.test(expiryCron))
    throw new ConfigError(
      'PRESCRIPTION_EXPIRY_CRON',
      `must be a 5-field cron expression, got "${expiryCron}"`,
    );
  return { expiryCron };
}
