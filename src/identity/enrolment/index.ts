/**
 * Patient enrolment: sign-up matched against a demographics service, contact details verified by
 * one-time codes, MFA (authenticator app or text message) set up, a patient account created.
 * Also the one-time codes SMS sign-in uses, and the fake PDS for tests and demos.
 */
import type { FastifyInstance } from 'fastify';
import type { AuditTrail } from '../../platform/audit/index.js';
import type { Env } from '../../platform/config/config.js';
import type { SecretKey } from '../../platform/crypto/secret-box.js';
import type { Database } from '../../platform/database/database.js';
import type { CodeSender } from './code-sender.js';
import type { EnrolmentLimits } from './context.js';
import { enrolmentRoutes } from './routes.js';
import { demographicsFor, loadEnrolmentSettings } from './settings.js';

export { type CodeMessage, CodeNotSent, type CodeSender, notificationsCodeSender } from './code-sender.js';
export { DEFAULT_ENROLMENT_LIMITS, type EnrolmentDeps, type EnrolmentLimits } from './context.js';
export {
  type DemographicsRecord,
  type DemographicsService,
  DemographicsUnavailable,
  demographicsOf,
} from './demographics.js';
export { FakePdsServer } from './fake-pds/server.js';
export { pdsDemographics } from './pds-demographics.js';
export { enrolmentRoutes } from './routes.js';
export { type EnrolmentSettings, loadEnrolmentSettings } from './settings.js';
export { storeDemographics } from './store-demographics.js';

/** The routes with the demographics service DEMOGRAPHICS_URL chooses (identity.ts registers this). */
export async function enrolment(
  app: FastifyInstance,
  options: {
    db: Database;
    audit: Pick<AuditTrail, 'record'>;
    secretKey: SecretKey;
    env: Env;
    sendCode: CodeSender;
    limits?: Partial<EnrolmentLimits>;
  },
): Promise<void> {
  const demographics = demographicsFor(options.db, loadEnrolmentSettings(options.env));
  await enrolmentRoutes(app, { ...options, demographics });
}
