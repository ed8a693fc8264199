/**
 * Dispensing and claims (docs/api.md §7) and prescriber–dispenser messaging (§9): Task/$release,
 * the dispense-notification event of $process-message, return and withdraw (POST /Task), Claim,
 * Communication, and the no-claim job. Every status change goes through prescribing's state
 * machine; every release re-runs prescribing's signature verification.
 */
import { clinicalSafetyCounter } from '../platform/auth/safety-events.js';
import type { CapabilityFactory } from '../platform/capability.js';
import { PRESCRIBING_SERVICE } from '../prescribing/index.js';
import { CLAIM_EVENT, withStoredClaims } from './claim/claim-event.js';
import { seedDispensingDemo } from './demo.js';
import { closeUnclaimed } from './no-claim/close-unclaimed.js';
import { declareDispensingTypes } from './resource-types.js';
import { registerCommunicationRoutes } from './routes/communication-routes.js';
import { registerDispenseHandler, registerDispensingRoutes } from './routes/dispensing-routes.js';
import { registerReleaseRoute } from './routes/release-route.js';
import { dispensingSettings } from './settings.js';

const NO_CLAIM_QUEUE = 'dispensing.no-claim';

export const dispensingCapability: CapabilityFactory = async (context) => {
  const settings = dispensingSettings(context.env);
  const prescribing = context.services.get(PRESCRIBING_SERVICE);
  const { db, access, audit, log } = context;
  registerDispenseHandler(prescribing.handlers, { db, audit });
  const safetyEvents = clinicalSafetyCounter(context.metrics);
  declareDispensingTypes(context.resourceRules);
  // The claim event's row refers to the stored Claim; consumers get it read back per batch.
  context.outbox.resolvePayloads(CLAIM_EVENT, withStoredClaims);

  const jobs = context.outbox.jobs;
  await jobs.createQueue(NO_CLAIM_QUEUE, { retry: { limit: 3, baseDelayS: 60, maxDelayS: 600 } });
  jobs.work(NO_CLAIM_QUEUE, async () => {
    const closed = await closeUnclaimed(db, { periodDays: settings.noClaimPeriodDays });
    if (closed > 0) log.info({ closed }, 'unclaimed prescriptions closed (0009)');
  });
  await jobs.schedule(NO_CLAIM_QUEUE, settings.noClaimCron);
  context.capabilities.addOperation({
    name: 'release',
    resourceType: 'Task',
    definition: 'https://fhir.nhs.uk/OperationDefinition/Task-release',
    documentation: 'Release prescriptions to a pharmacy: nominated (up to 25) or by prescription ID',
  });

  return {
    name: 'dispensing',
    seedDemo: () => seedDispensingDemo({ db, pki: prescribing.pki, register: prescribing.register }),
    async fhirRoutes(fhir) {
      registerReleaseRoute(fhir, {
        db,
        access,
        audit,
        pki: prescribing.pki,
        register: prescribing.register,
        onVerificationFailure(failure) {
          const hazard = failure.code === 'INVALID_SIGNATURE' ? 'HAZ-TAMPER' : 'HAZ-NO-RIGHT';
          safetyEvents.inc({ hazard });
          // The prescription ID is not personal data; the patient stays in the audit trail.
          log.warn(
            { safetyEvent: hazard, prescriptionId: failure.shortFormId, code: failure.code },
            'clinical safety event: a stored prescription failed verification at release and was not released',
          );
        },
      });
      registerDispensingRoutes(fhir, {
        db,
        audit,
        statusUpdateCoolDownHours: settings.readyCoolDownHours,
      });
      registerCommunicationRoutes(fhir, { db, audit, baseUrl: context.fhirBaseUrl });
    },
  };
};
