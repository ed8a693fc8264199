/**
 * The operator's view of the feed [admin]: `GET /admin/feed` (enabled, endpoint, backlog, oldest
 * age, dead letters) and `POST /admin/feed/{eventId}/retry` (re-drive one dead letter after the
 * cause was fixed). Re-driving sends the prescription's clinical content again, so it is audited.
 */
import type { FastifyInstance } from 'fastify';
import type { AuditTrail } from '../platform/audit/trail.js';
import { type AccessControl, type AccessPolicy, auditRequest, protect } from '../platform/auth/index.js';
import type { Database } from '../platform/database/database.js';
import { invalid, notFound, Problem } from '../platform/errors/problem.js';
import { PATIENT_REFERENCE } from '../platform/fhir/ids.js';
import * as D from '../platform/http/route-docs.js';
import type { Outbox } from '../platform/outbox/outbox.js';
import { FEED_CONSUMER } from './consumer.js';
import { deliveryOf, listDeadLetters } from './dead-letters.js';

/** Only administrators see and steer the feed. */
export const FEED_ADMIN_POLICY: AccessPolicy = { roles: ['admin'] };

export interface AdminRouteDeps {
  db: Database;
  outbox: Pick<Outbox, 'stats' | 'redrive'>;
  access: AccessControl;
  audit: Pick<AuditTrail, 'record'>;
  /** `$EPMS_URL/events`, or undefined when the feed is disabled. */
  eventsUrl: string | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PATIENT = PATIENT_REFERENCE;
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

export async function feedAdminRoutes(app: FastifyInstance, deps: AdminRouteDeps): Promise<void> {
  protect(app, deps.access, { requireDeclaredPolicy: true });
  const { db, outbox } = deps;

  app.get(
    '/admin/feed',
    {
      config: { access: FEED_ADMIN_POLICY },
      ...D.documented('feed', 'The ePMS feed: endpoint, backlog and dead letters', {
        bearer: true,
        querystring: D.object({ limit: D.whole() }),
        responses: { 200: D.anyObject('{ enabled, endpoint, backlog, deadLetters, … }') },
      }),
    },
    async (request, reply) => {
      const limit = limitOf((request.query as Record<string, unknown>).limit);
      const stats = await outbox.stats();
      const row = stats.consumers.find((consumer) => consumer.consumer === FEED_CONSUMER);
      reply.header('cache-control', 'no-store');
      return {
        enabled: deps.eventsUrl !== undefined,
        endpoint: deps.eventsUrl ?? null,
        backlog: row?.pending ?? 0,
        oldestAgeS: row?.oldestPendingAgeS ?? null,
        deadLetterCount: row?.dead ?? 0,
        deadLetters: await listDeadLetters(db, FEED_CONSUMER, limit),
      };
    },
  );

  app.post<{ Params: { eventId: string } }>(
    '/admin/feed/:eventId/retry',
    {
      config: { access: FEED_ADMIN_POLICY },
      ...D.documented('feed', 'Re-drive a dead-lettered feed event', {
        bearer: true,
        params: D.object({ eventId: D.text() }, ['eventId']),
        responses: { 202: D.anyObject('Queued again'), 404: D.operationOutcome },
      }),
    },
    async (request, reply) => {
      const { eventId } = request.params;
      if (!UUID.test(eventId)) throw invalid('eventId must be an event id (a UUID)');
      if (deps.eventsUrl === undefined) {
        throw new Problem(
          'CONFLICT',
          'The ePMS feed is disabled (EPMS_URL is not set): nothing can be re-driven',
        );
      }
      const delivery = await deliveryOf(db, FEED_CONSUMER, eventId);
      if (!delivery) throw notFound(`No ePMS feed delivery for event ${eventId}`);
      if (delivery.state !== 'dead') {
        throw new Problem('CONFLICT', `Event ${eventId} is not dead-lettered (it is ${delivery.state})`);
      }
      // False when another operator re-drove it first.
      if (!(await outbox.redrive(FEED_CONSUMER, eventId))) {
        throw new Problem('CONFLICT', `Event ${eventId} is no longer dead-lettered`);
      }
      await deps.audit.record({
        action: 'E',
        subtype: 'operation',
        outcome: '0',
        ...auditRequest(request),
        ...(delivery.patient && PATIENT.test(delivery.patient) ? { patient: delivery.patient } : {}),
        detail: `ePMS feed: dead-lettered event ${eventId} re-driven`,
      });
      reply.code(202).header('cache-control', 'no-store');
      return { eventId, state: 'pending' };
    },
  );
}

function limitOf(raw: unknown): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  const value = typeof raw === 'string' && /^\d{1,4}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= 1 && value <= MAX_LIMIT))
    throw invalid(`limit must be a whole number from 1 to ${MAX_LIMIT}`);
  return value;
}
