/**
 * The operator's view of the feed [admin]: the dead-letter list (messages answered AE, kept with
 * their error and the field at fault), the rejected ones (AR), and re-driving a dead letter.
 */
import type { FastifyInstance } from 'fastify';
import type { AuditTrail } from '../platform/audit/trail.js';
import { type AccessControl, type AccessPolicy, auditRequest, protect } from '../platform/auth/index.js';
import type { Database } from '../platform/database/database.js';
import { Problem } from '../platform/errors/problem.js';
import * as D from '../platform/http/route-docs.js';
import type { MessageProcessor } from './inbox/processor.js';
import { listMessages, redrive } from './inbox/redrive.js';
import { readAckSummary } from './message/ack.js';

export interface Hl7AdminDeps {
  db: Database;
  access: AccessControl;
  audit: AuditTrail;
  processor: MessageProcessor;
}

/** Only administrators see and re-drive the HL7 feed's messages. */
export const HL7_ADMIN_POLICY: AccessPolicy = { roles: ['admin'] };

export async function hl7AdminRoutes(app: FastifyInstance, deps: Hl7AdminDeps): Promise<void> {
  protect(app, deps.access, { requireDeclaredPolicy: true });

  app.get<{ Querystring: { status?: string } }>(
    '/admin/hl7/messages',
    {
      config: { access: HL7_ADMIN_POLICY },
      ...D.documented('hl7', 'HL7 v2 messages the feed could not apply (dead letters) or refused', {
        bearer: true,
        querystring: D.object({ status: D.text('failed (default) or rejected') }),
        responses: {
          200: D.anyObject('{ status, messages }'),
          400: D.operationOutcome,
          403: D.operationOutcome,
        },
      }),
    },
    async (request) => {
      const status = request.query.status ?? 'failed';
      if (status !== 'failed' && status !== 'rejected') {
        throw new Problem('INVALID_VALUE', 'status must be failed (the dead letters) or rejected', {
          expression: 'status',
        });
      }
      return { status, messages: await listMessages(deps.db, status) };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/admin/hl7/messages/:id/redrive',
    {
      config: { access: HL7_ADMIN_POLICY },
      ...D.documented('hl7', 'Run a stored HL7 v2 message through the feed again (audited)', {
        bearer: true,
        params: D.object({ id: D.text() }, ['id']),
        responses: { 200: D.anyObject('{ id, outcome, acks }'), 404: D.operationOutcome },
      }),
    },
    async (request) => {
      const processed = await redrive(deps.db, deps.processor, request.params.id);
      await deps.audit.record({
        action: 'E',
        subtype: 'operation',
        outcome: '0',
        ...auditRequest(request),
        detail: `HL7 feed: message ${request.params.id} re-driven (${processed.outcome})`,
      });
      return { id: request.params.id, outcome: processed.outcome, acks: processed.acks.map(readAckSummary) };
    },
  );
}
