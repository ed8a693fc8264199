/**
 * Enrolment's settings from the environment, read with the platform's helpers so a bad value
 * stops the start with one line naming the variable.
 */
import { type Env, integer, url } from '../../platform/config/config.js';
import type { Database } from '../../platform/database/database.js';
import type { DemographicsService } from './demographics.js';
import { DEFAULT_PDS_TIMEOUT_MS, pdsDemographics } from './pds-demographics.js';
import { storeDemographics } from './store-demographics.js';

export interface EnrolmentSettings {
  /** DEMOGRAPHICS_URL: a PDS-like FHIR API; unset = this service's own Patient records. */
  demographicsUrl: string | undefined;
  /** DEMOGRAPHICS_TIMEOUT_MS: how long to wait for it (default 5000). */
  demographicsTimeoutMs: number;
}

export function loadEnrolmentSettings(env: Env): EnrolmentSettings {
  return {
    demographicsUrl: url(env, 'DEMOGRAPHICS_URL', ['http:', 'https:']),
    demographicsTimeoutMs: integer(env, 'DEMOGRAPHICS_TIMEOUT_MS', DEFAULT_PDS_TIMEOUT_MS, 100, 60_000),
  };
}

export function demographicsFor(db: Database, settings: EnrolmentSettings): DemographicsService {
  const local = storeDemographics(db);
  if (!settings.demographicsUrl) return local;
  return pdsDemographics({
    baseUrl: settings.demographicsUrl,
    timeoutMs: settings.demographicsTimeoutMs,
    fallback: local,
  });
}
