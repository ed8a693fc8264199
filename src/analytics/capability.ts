/**
 * Analytics: FHIR Bulk Data $export (system, Patient, Group) with pseudonymised output for
 * analysts, and SQL on FHIR v2 ViewDefinition/$run. Exports run as jobs on the platform's runner
 * and write NDJSON to EXPORT_DIR; views stream their rows.
 */
import { mkdir } from 'node:fs/promises';
import type { Capability, CapabilityFactory } from '../platform/capability.js';
import { EXPORT_QUEUE, registerExportJobs } from './export/export-jobs.js';
import { exportTypesOf } from './export/export-request.js';
import { registerExportRoutes } from './export/export-routes.js';
import { ExportRunner, removeExportFiles } from './export/export-run.js';
import { pseudonymFunction, pseudonymKey } from './pseudonymise/pseudonym-key.js';
import { declareAnalyticsTypes } from './resource-types.js';
import { readAnalyticsSettings } from './settings.js';
import { registerViewRoutes } from './views/view-routes.js';

const BULK_DATA_IG = 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition';

export const analyticsCapability: CapabilityFactory = async (context): Promise<Capability> => {
  const settings = readAnalyticsSettings(context.env, context.config.dataDir);
  const log = context.log.child({ component: 'analytics' });
  const pseudonym = pseudonymFunction(pseudonymKey(context.env, context.secretKey));
  await mkdir(settings.exportDir, { recursive: true });
  const runner = new ExportRunner({
    db: context.db,
    log,
    dir: settings.exportDir,
    batchSize: settings.batchSize,
    maxFileResources: settings.maxFileResources,
    retentionS: settings.retentionS,
    pseudonym,
  });
  const jobs = context.outbox.jobs;
  await registerExportJobs({ db: context.db, jobs, runner, settings, log });
  declareAnalyticsTypes(context.resourceRules);
  context.capabilities.addOperation({ name: 'export', definition: `${BULK_DATA_IG}/export` });
  context.capabilities.addOperation({
    name: 'export',
    resourceType: 'Patient',
    definition: `${BULK_DATA_IG}/patient-export`,
  });
  context.capabilities.addOperation({
    name: 'export',
    resourceType: 'Group',
    definition: `${BULK_DATA_IG}/group-export`,
  });
  context.capabilities.addOperation({
    name: 'run',
    definition: 'http://hl7.org/fhir/uv/sql-on-fhir/OperationDefinition/ViewDefinitionRun',
    documentation: 'SQL on FHIR v2 ViewDefinition/$run: json, ndjson or csv rows, streamed',
  });
  return {
    name: 'analytics',
    async fhirRoutes(fhir) {
      registerExportRoutes(fhir, {
        db: context.db,
        audit: context.audit,
        baseUrl: context.fhirBaseUrl,
        // Every capability has declared its types by now: routes are registered after all are built.
        types: exportTypesOf(context.resourceRules),
        exportDir: settings.exportDir,
        enqueue: async (exportId, tx) => {
          await jobs.send(EXPORT_QUEUE, { exportId }, { tx });
        },
        removeFiles: (exportId) => removeExportFiles(settings.exportDir, exportId),
      });
      registerViewRoutes(fhir, { db: context.db, audit: context.audit, pseudonym });
    },
  };
};
