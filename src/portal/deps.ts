/** What the portal's parts are built from (a subset of the platform context, plus the clock). */
import type { AccessControl } from '../platform/auth/fastify.js';
import type { ServiceRegistry } from '../platform/capability.js';
import type { Database } from '../platform/database/database.js';
import type { Logger } from '../platform/logging/logger.js';
import type { AuditSink } from './http.js';
import type { PortalSettings } from './settings.js';

export interface PortalDeps {
  db: Database;
  audit: AuditSink;
  access: AccessControl;
  log: Logger;
  services: ServiceRegistry;
  settings: PortalSettings;
  /** e.g. http://localhost:3000/fhir/R4 */
  baseUrl: string;
  now: () => Date;
}
