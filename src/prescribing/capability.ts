/**
 * Prescribing (docs/api.md §5–6): $process-message for prescription-order and its cancellation,
 * $prepare and $sign, the tracker (GET /Task), and the expiry job. Uses the register's `pki`,
 * `register` and `remote-keys`; provides `prescribing` (the message handlers other capabilities
 * add events to, the verification release re-runs, and the Task searches).
 */
import type { CapabilityFactory } from '../platform/capability.js';
import { PKI_SERVICE, REGISTER_SERVICE, REMOTE_KEYS_SERVICE } from '../register/index.js';
import { seedPrescribingDemo } from './demo.js';
import { expirePrescriptions } from './expiry/expire-prescriptions.js';
import { ORDER_EVENT, withSignedBundles } from './order/order-event.js';
import { startDueIssues } from './repeat/start-issue.js';
import { declarePrescribingTypes } from './resource-types.js';
import { type MessageHandlers as Handlers, MessageHandlers } from './routes/message-handlers.js';
import { registerOrderHandlers } from './routes/order-handlers.js';
import { registerPrepareAndSign } from './routes/prepare-sign.js';
import { registerProcessMessage } from './routes/process-message.js';
import { type OtherTaskSearch, registerTaskSearch } from './routes/task-search.js';
import { PRESCRIBING_SERVICE } from './services.js';
import { prescribingSettings } from './settings.js';
import type { PrescriberRegister, SigningCertificateCheck } from './signature/verify-prescription.js';

export interface PrescribingService {
  handlers: Handlers;
  /** Task searches other than the tracker (e.g. the repeat-request worklist). */
  taskSearches: OtherTaskSearch[];
  pki: SigningCertificateCheck;
  register: PrescriberRegister;
}

const EXPIRY_QUEUE = 'prescribing.expiry';
const REPEAT_ISSUE_QUEUE = 'prescribing.repeat-issues';

export const prescribingCapability: CapabilityFactory = async (context) => {
  const settings = prescribingSettings(context.env);
  const pki = context.services.get(PKI_SERVICE);
  const register = context.services.get(REGISTER_SERVICE);
  const remoteKeys = context.services.get(REMOTE_KEYS_SERVICE);
  const handlers = new MessageHandlers();
  const taskSearches: OtherTaskSearch[] = [];
  const service: PrescribingService = { handlers, taskSearches, pki, register };
  context.services.provide(PRESCRIBING_SERVICE, service);
  registerOrderHandlers(handlers, { db: context.db, audit: context.audit, pki, register });
  declarePrescribingTypes(context.resourceRules);
  // The order event's row refers to the signed Bundle; consumers get it read back per batch.
  context.outbox.resolvePayloads(ORDER_EVENT, withSignedBundles);

  const jobs = context.outbox.jobs;
  await jobs.createQueue(EXPIRY_QUEUE, { retry: { limit: 3, baseDelayS: 30, maxDelayS: 300 } });
  jobs.work(EXPIRY_QUEUE, async () => {
    const expired = await expirePrescriptions(context.db);
    if (expired > 0) context.log.info({ expired }, 'prescriptions expired');
  });
  await jobs.schedule(EXPIRY_QUEUE, settings.expiryCron);
  await jobs.createQueue(REPEAT_ISSUE_QUEUE, { retry: { limit: 3, baseDelayS: 30, maxDelayS: 300 } });
  jobs.work(REPEAT_ISSUE_QUEUE, async () => {
    const started = await startDueIssues(context.db);
    if (started > 0) context.log.info({ started }, 'repeat-dispensing issues started');
  });
  await jobs.schedule(REPEAT_ISSUE_QUEUE, settings.repeatIssueCron);
  context.capabilities.addOperation({
    name: 'process-message',
    definition: 'http://hl7.org/fhir/OperationDefinition/MessageHeader-process-message',
    documentation:
      'EPS messages: prescription-order, prescription-order-update (cancel), and the dispensing events',
  });
  context.capabilities.addOperation({
    name: 'prepare',
    definition: 'https://fhir.pathways.dev/OperationDefinition/prepare',
  });
  context.capabilities.addOperation({
    name: 'sign',
    definition: 'https://fhir.pathways.dev/OperationDefinition/sign',
  });

  return {
    name: 'prescribing',
    seedDemo: () => seedPrescribingDemo({ db: context.db, pki, register, remoteKeys }),
    async fhirRoutes(fhir) {
      registerProcessMessage(fhir, { access: context.access, handlers });
      registerPrepareAndSign(fhir, { db: context.db, register, remoteKeys });
      registerTaskSearch(fhir, {
        db: context.db,
        access: context.access,
        audit: context.audit,
        baseUrl: context.fhirBaseUrl,
        otherSearches: taskSearches,
      });
    },
  };
};
