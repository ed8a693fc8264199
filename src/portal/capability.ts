/**
 * The patient portal's APIs: appointments (clinician booking, patient cancel / reschedule,
 * reminders), result release and patient visibility of results (HAZ-EARLY-RESULT), repeat
 * prescription requests, contact details and preferences, and the nominated pharmacy.
 */

import type { CapabilityFactory } from '../platform/capability.js';
import type { Queryable } from '../platform/database/database.js';
import { patientVisibilityOf } from '../platform/fhir/patient-visibility.js';
import { PRESCRIBING_SERVICE } from '../prescribing/index.js';
import { registerPatientAppointmentRoutes } from './appointments/patient-routes.js';
import { startReminderJob } from './appointments/reminder-job.js';
import { seedPortalDemo } from './demo.js';
import type { PortalDeps } from './deps.js';
import { followMergeNomination } from './nomination/merge.js';
import { registerNominationRoutes } from './nomination/routes.js';
import { registerPreferenceRoutes } from './preferences/routes.js';
import { registerRepeatRequestRoutes } from './repeat-requests/routes.js';
import { createRepeatRequests } from './repeat-requests/service.js';
import { repeatRequestTaskSearch } from './repeat-requests/task-search.js';
import { declarePortalTypes } from './resource-types.js';
import { moveReleases, releasesOf } from './results/release-store.js';
import { registerResultRoutes } from './results/routes.js';
import { registerResultVisibility } from './results/visibility-rule.js';
import { NOMINATIONS_SERVICE, REPEAT_REQUESTS_SERVICE, RESULT_RELEASES_SERVICE } from './services.js';
import { loadPortalSettings } from './settings.js';

const OPERATIONS = [
  { name: 'cancel', resourceType: 'Appointment', documentation: 'A patient cancels their own appointment' },
  {
    name: 'reschedule',
    resourceType: 'Appointment',
    documentation: 'A patient moves their appointment to a free slot',
  },
  {
    name: 'available-slots',
    resourceType: 'Appointment',
    documentation: 'Free slots a patient may reschedule to',
  },
  {
    name: 'release',
    resourceType: 'DiagnosticReport',
    documentation: 'A clinician releases a result to the patient',
  },
  { name: 'request-repeat', resourceType: 'MedicationRequest', documentation: 'A patient requests a repeat' },
  {
    name: 'complete-repeat',
    resourceType: 'Task',
    documentation: 'The prescriber completes or rejects a repeat request',
  },
  {
    name: 'update-contact',
    resourceType: 'Patient',
    documentation: 'A patient changes their contact details and consent',
  },
  {
    name: 'contact-preferences',
    resourceType: 'Patient',
    documentation: 'A patient reads their contact details and consent',
  },
  { name: 'find-pharmacy', resourceType: 'Organization', documentation: 'Pharmacies a patient may nominate' },
  {
    name: 'nominated-pharmacy',
    resourceType: 'Patient',
    documentation: 'A patient reads their nominated pharmacy',
  },
  {
    name: 'nominate-pharmacy',
    resourceType: 'Patient',
    documentation: 'A patient chooses, changes or removes their nominated pharmacy',
  },
];

export const portalCapability: CapabilityFactory = async (context) => {
  const settings = loadPortalSettings(context.env);
  const now = () => new Date();
  const deps: PortalDeps = {
    db: context.db,
    audit: context.audit,
    access: context.access,
    log: context.log.child({ capability: 'portal' }),
    services: context.services,
    settings,
    baseUrl: context.fhirBaseUrl,
    now,
  };
  registerResultVisibility(patientVisibilityOf(context.access), { db: context.db, now });
  declarePortalTypes(context.resourceRules);
  const repeatRequests = createRepeatRequests({ baseUrl: context.fhirBaseUrl, now });
  const taskSearch = repeatRequestTaskSearch(deps, repeatRequests);
  context.services.provide(REPEAT_REQUESTS_SERVICE, { ...repeatRequests, taskSearch });
  // The hospital feed asks whether a report it corrects was already released to the patient.
  context.services.provide(RESULT_RELEASES_SERVICE, {
    releaseOf: async (q: Queryable, reportId: string) => (await releasesOf(q, [reportId])).get(reportId),
    // A merge (HAZ-MERGE) moves the reports to the survivor; their releases go with them.
    followMerge: async (tx: Queryable, merge: { retired: string; survivor: string }) => {
      await moveReleases(tx, merge.retired, merge.survivor);
    },
  });
  // A merge (HAZ-MERGE): orders go to the survivor, so the nomination goes there too.
  context.services.provide(NOMINATIONS_SERVICE, { followMerge: followMergeNomination });
  // GET /Task belongs to prescribing (the tracker); it asks its other searches for anything else.
  if (context.services.has(PRESCRIBING_SERVICE)) {
    context.services.get(PRESCRIBING_SERVICE).taskSearches.push(taskSearch);
  }
  for (const operation of OPERATIONS) {
    context.capabilities.addOperation({
      ...operation,
      definition: `https://fhir.pathways.dev/OperationDefinition/${operation.resourceType}-${operation.name}`,
    });
  }
  await startReminderJob(
    context.outbox.jobs,
    { db: context.db, audit: context.audit, leadS: settings.appointmentReminderLeadS },
    deps.log,
  );
  return {
    name: 'portal',
    async fhirRoutes(fhir) {
      registerPatientAppointmentRoutes(fhir, deps);
      registerResultRoutes(fhir, deps);
      registerRepeatRequestRoutes(fhir, deps);
      registerPreferenceRoutes(fhir, deps);
      registerNominationRoutes(fhir, deps);
    },
    seedDemo: () => seedPortalDemo(context.db),
  };
};
