/** Dispensing's own settings, read from the environment at start (a bad value stops the start). */
import { ConfigError, type Env, integer, text } from '../platform/config/config.js';

export interface DispensingSettings {
  /** Days after the last dispensing change before an unclaimed prescription becomes 0009. */
  noClaimPeriodDays: number;
  noClaimCron: string;
  /** Hours within which a patient is not told twice that a prescription is ready to collect. */
  readyCoolDownHours: number;
}

export function dispensingSettings(env: Env): DispensingSettings {
  const noClaimCron = text(env, 'NO_CLAIM_CRON') ?? '17 2 * * *';
  if (!/^(\S+\s+){4}\S+$/.test(noClaimCron))
    throw new ConfigError('NO_CLAIM_CRON', `must be a 5-field cron expression, got "${noClaimCron}"`);
  return {
    noClaimPeriodDays: integer(env, 'NO_CLAIM_PERIOD_DAYS', 90, 1, 3650),
    noClaimCron,
    readyCoolDownHours: integer(env, 'READY_TO_COLLECT_COOLDOWN_HOURS', 12, 0, 168),
  };
}
