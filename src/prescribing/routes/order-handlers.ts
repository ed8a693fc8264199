/** The prescribing events of $process-message: prescription-order and its cancellation. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuditInput } from '../../platform/audit/audit-event.js';
import { auditRequest, principalOf } from '../../platform/auth/fastify.js';
import type { Database } from '../../platform/database/database.js';
import { sendFhir } from '../../platform/http/fhir-json.js';
import { submitCancel } from '../cancel/submit-cancel.js';
import { type OrderDeps, submitOrder } from '../order/submit-order.js';
import type { MessageHandlers } from './message-handlers.js';

export interface OrderHandlerDeps extends OrderDeps {
  db: Database;
  audit: { record(input: AuditInput): Promise<void> };
  now?: () => Date;
}

export function registerOrderHandlers(handlers: MessageHandlers, deps: OrderHandlerDeps): void {
  const now = deps.now ?? (() => new Date());
  handlers.register('prescription-order', {
    policy: { roles: ['prescriber'] },
    async handle(request: FastifyRequest, reply: FastifyReply, bundle) {
      const accepted = await submitOrder(deps, bundle, principalOf(request), now());
      if (accepted.stored) {
        await deps.audit.record({
          action: 'C',
          subtype: 'operation',
          outcome: '0',
          ...auditRequest(request),
          entity: { reference: accepted.items[0]!, type: 'MedicationRequest' },
          ...(accepted.patient ? { patient: accepted.patient } : {}),
          detail: `prescription-order ${accepted.shortFormId} accepted`,
        });
      }
      return sendFhir(reply, 200, accepted.outcome);
    },
  });
  handlers.register('prescription-order-update', {
    policy: { roles: ['prescriber'] },
    async handle(request, reply, bundle) {
      const accepted = await submitCancel(deps.db, bundle, principalOf(request), now());
      if (accepted.patient) {
        await deps.audit.record({
          action: 'U',
          subtype: 'operation',
          outcome: '0',
          ...auditRequest(request),
          entity: {
            reference: `MedicationRequest/${accepted.cancelled[0] ?? 'none'}`,
            type: 'MedicationRequest',
          },
          patient: accepted.patient,
          detail: `prescription-order-update ${accepted.shortFormId}: ${accepted.cancelled.length} item(s) cancelled`,
        });
      }
      return sendFhir(reply, 200, accepted.response);
    },
  });
}
