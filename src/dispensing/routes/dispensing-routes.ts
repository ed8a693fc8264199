/**
 * The dispenser's calls besides release: POST /Task (return, withdraw), POST /Claim, and the
 * dispense-notification event of $process-message. Every one needs a dispenser token whose
 * organisation is the pharmacy holding the prescription (the state machine checks the holder).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditInput } from '../../platform/audit/audit-event.js';
import { auditRequest, principalOf } from '../../platform/auth/fastify.js';
import type { AccessPolicy } from '../../platform/auth/policy.js';
import type { Database } from '../../platform/database/database.js';
import { informational } from '../../platform/errors/problem.js';
import { sendFhir } from '../../platform/http/fhir-json.js';
import type { MessageHandlers } from '../../prescribing/index.js';
import { acceptClaim } from '../claim/claim.js';
import { applyDispenseNotification } from '../dispense/dispense.js';
import { applyTaskRequest, taskOutcome } from '../return-withdraw/return-withdraw.js';
import { applyStatusUpdate } from '../status-updates/apply-status-update.js';
import { isStatusUpdate } from '../status-updates/parse-status-update.js';

export const DISPENSER_POLICY: AccessPolicy = { roles: ['dispenser'], organisation: 'token-org-must-match' };

interface Deps {
  db: Database;
  audit: { record(input: AuditInput): Promise<void> };
}

interface RouteDeps extends Deps {
  /** Hours within which a patient is not told twice that a prescription is ready. */
  statusUpdateCoolDownHours: number;
}

async function audit(
  deps: Deps,
  request: FastifyRequest,
  detail: string,
  patient: string | undefined,
  reference: string,
) {
  await deps.audit.record({
    action: 'U',
    subtype: 'operation',
    outcome: '0',
    ...auditRequest(request),
    entity: { reference, type: reference.split('/')[0]! },
    ...(patient ? { patient } : {}),
    detail,
  });
}

export function registerDispenseHandler(handlers: MessageHandlers, deps: Deps): void {
  handlers.register('dispense-notification', {
    policy: DISPENSER_POLICY,
    async handle(request, reply, bundle) {
      const applied = await applyDispenseNotification(deps.db, bundle, principalOf(request));
      if (applied.changed)
        await audit(
          deps,
          request,
          `dispense-notification ${applied.shortFormId}`,
          applied.patient,
          'MedicationDispense/notification',
        );
      return sendFhir(
        reply,
        200,
        informational(`Dispense notification for ${applied.shortFormId} accepted: status ${applied.status}`),
      );
    },
  });
}

export function registerDispensingRoutes(fhir: FastifyInstance, deps: RouteDeps): void {
  const dispenser = { config: { access: DISPENSER_POLICY } };
  fhir.post('/Task', dispenser, async (request, reply) => {
    if (isStatusUpdate(request.body)) {
      const update = await applyStatusUpdate(deps.db, request.body, principalOf(request), {
        coolDownHours: deps.statusUpdateCoolDownHours,
      });
      await audit(
        deps,
        request,
        `status-update ${update.update.shortFormId} ${update.update.businessStatus}`,
        update.patient,
        'Task/status-update',
      );
      return sendFhir(
        reply,
        201,
        informational(`Status of ${update.update.shortFormId} recorded: ${update.update.businessStatus}`),
      );
    }
    const applied = await applyTaskRequest(deps.db, request.body, principalOf(request));
    if (applied.changed)
      await audit(
        deps,
        request,
        `${applied.request.kind} ${applied.request.shortFormId}`,
        applied.patient,
        'Task/request',
      );
    return sendFhir(reply, 200, taskOutcome(applied));
  });
  fhir.post('/Claim', dispenser, async (request, reply) => {
    const accepted = await acceptClaim(deps.db, request.body, principalOf(request));
    if (accepted.changed)
      await audit(
        deps,
        request,
        `claim ${accepted.shortFormId}`,
        accepted.patient,
        `Claim/${accepted.claimId}`,
      );
    return sendFhir(reply, 200, informational(`Claim for ${accepted.shortFormId} accepted`));
  });
}
