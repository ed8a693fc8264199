/** Prescribing's own settings, read from the environment at start (a bad value stops the start). */
import { ConfigError, type Env, text } from '../platform/config/config.js';

export interface PrescribingSettings {
  /** pg-boss cron for the expiry job (default every 5 minutes). */
  expiryCron: string;
  /** pg-boss cron for starting due repeat-dispensing issues (default every 5 minutes). */
  repeatIssueCron: string;
}

const CRON = /^(\S+\s+){4}\S+$/;

export function prescribingSettings(env: Env): PrescribingSettings {
  const expiryCron = text(env, 'PRESCRIPTION_EXPIRY_CRON') ?? '*/5 * * * *';
  if (!CRON.test(expiryCron))
    throw new ConfigError(
      'PRESCRIPTION_EXPIRY_CRON',
      `must be a 5-field cron expression, got "${expiryCron}"`,
    );
  const repeatIssueCron = text(env, 'REPEAT_ISSUE_CRON') ?? '*/5 * * * *';
  if (!CRON.test(repeatIssueCron))
    throw new ConfigError('REPEAT_ISSUE_CRON', `must be a 5-field cron expression, got "${repeatIssueCron}"`);
  return { expiryCron, repeatIssueCron };
}
