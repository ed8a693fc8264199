/**
 * Service desk [service-desk, admin]: the worklist of notifications that could not reach the
 * patient, and resolving an item once the patient has been contacted another way. With the
 * recording provider also the messages it recorded, so a newcomer can see what would have gone out.
 */
import type { Patient } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import type { AuditTrail } from '../platform/audit/trail.js';
import { type AccessControl, agentOfRequest, auditRequest, protect } from '../platform/auth/fastify.js';
import type { AccessPolicy } from '../platform/auth/policy.js';
import type { Database } from '../platform/database/database.js';
import { invalid, missing, notFound, Problem } from '../platform/errors/problem.js';
import { PATIENT_REFERENCE } from '../platform/fhir/ids.js';
import { patientName } from '../platform/fhir/patient-name.js';
import { readCurrent } from '../platform/fhir/store/repository.js';
import * as D from '../platform/http/route-docs.js';
import { recentRecorded } from './recording-provider.js';
import { countOpen, openItems, resolveItem, type WorklistItem } from './worklist-store.js';

const SERVICE_DESK: AccessPolicy = { roles: ['service-desk', 'admin'] };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PATIENT = PATIENT_REFERENCE;
const MAX_NOTE = 2000;

export interface RouteDeps {
  db: Database;
  audit: Pick<AuditTrail, 'record'>;
  access: AccessControl;
  now: () => Date;
  /** Serve GET /admin/notifications/recorded (the recording provider is in use). */
  recording: boolean;
}

function limitOf(query: unknown, fallback: number, max: number): number {
  const raw = (query as Record<string, unknown> | undefined)?.limit;
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !/^\d{1,4}$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
    throw invalid(`limit must be a whole number from 1 to ${max}`, 'limit');
  }
  return Number(raw);
}

function noteOf(body: unknown): string {
  const note = (typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {}).note;
  if (note === undefined || note === null)
    throw missing('note is required: what was done to reach the patient', 'note');
  if (typeof note !== 'string') throw invalid('note must be a string', 'note');
  const trimmed = note.trim();
  if (trimmed === '') throw missing('note must not be empty', 'note');
  if (trimmed.length > MAX_NOTE) throw invalid(`note must be at most ${MAX_NOTE} characters`, 'note');
  return trimmed;
}

/** Who the patient is, so the desk can check it reaches the right person: name and date of birth. */
async function whoIs(db: Database, patient: string): Promise<{ name?: string; birthDate?: string }> {
  if (!PATIENT.test(patient)) return {};
  const stored = await readCurrent(db, 'Patient', patient.slice('Patient/'.length));
  if (!stored || stored.deleted) return {};
  const record = JSON.parse(stored.content) as Patient;
  const name = patientName(record);
  return { ...(name ? { name } : {}), ...(record.birthDate ? { birthDate: record.birthDate } : {}) };
}

function summary(item: WorklistItem, who: { name?: string; birthDate?: string } = {}) {
  return {
    id: item.id,
    notificationId: item.notificationId,
    patient: item.patient,
    ...(who.name ? { patientName: who.name } : {}),
    ...(who.birthDate ? { birthDate: who.birthDate } : {}),
    template: item.template,
    channelsTried: item.channelsTried,
    reason: item.reason,
    created: item.created,
  };
}

export function notificationRoutes(deps: RouteDeps) {
  return async (scope: FastifyInstance): Promise<void> => {
    protect(scope, deps.access, { requireDeclaredPolicy: true });

    scope.get(
      '/admin/notifications/worklist',
      {
        config: { access: SERVICE_DESK },
        ...D.documented('notifications', 'Open worklist of notifications no channel delivered', {
          bearer: true,
          querystring: D.object({ limit: D.whole() }),
          responses: { 200: D.anyObject('{ total, items }') },
        }),
      },
      async (request) => {
        const limit = limitOf(request.query, 200, 1000);
        const [items, total] = await Promise.all([openItems(deps.db, limit), countOpen(deps.db)]);
        await deps.audit.record({
          subtype: 'search-type',
          outcome: '0',
          ...auditRequest(request),
          detail: `notification worklist: ${items.length} of ${total} open items`,
        });
        const people = await Promise.all(items.map((item) => whoIs(deps.db, item.patient)));
        return { total, items: items.map((item, index) => summary(item, people[index])) };
      },
    );

    scope.post(
      '/admin/notifications/worklist/:id/resolve',
      {
        config: { access: SERVICE_DESK },
        ...D.documented('notifications', 'Resolve a worklist item with a note', {
          bearer: true,
          params: D.object({ id: D.text() }, ['id']),
          body: D.object({ note: D.text() }),
          responses: { 200: D.anyObject('The resolved item'), 404: D.operationOutcome },
        }),
      },
      async (request) => {
        const { id } = request.params as { id: string };
        if (!UUID.test(id)) throw notFound(`no worklist item ${id}`);
        const note = noteOf(request.body);
        const agent = agentOfRequest(request);
        const by = agent.reference ?? agent.display ?? 'unknown';
        const outcome = await deps.db.transaction((tx) => resolveItem(tx, id, { by, note, now: deps.now() }));
        if ('missing' in outcome) throw notFound(`no worklist item ${id}`);
        if ('alreadyResolved' in outcome) {
          throw new Problem(
            'CONFLICT',
            `worklist item ${id} was already resolved at ${outcome.alreadyResolved.resolved}`,
          );
        }
        const item = outcome.resolved;
        await deps.audit.record({
          subtype: 'update',
          outcome: '0',
          agent,
          ...(PATIENT.test(item.patient) ? { patient: item.patient } : {}),
          requestId: request.id,
          // Not the note: it is free text and may name people.
          detail: `notification worklist item ${item.id} resolved`,
        });
        return { ...summary(item), resolved: item.resolved, resolvedBy: item.resolvedBy, note: item.note };
      },
    );

    if (deps.recording) {
      scope.get(
        '/admin/notifications/recorded',
        {
          config: { access: SERVICE_DESK },
          ...D.documented('notifications', 'Messages the recording provider would have sent', {
            bearer: true,
            querystring: D.object({ limit: D.whole() }),
            responses: { 200: D.anyObject('{ messages }') },
          }),
        },
        async (request) => {
          const limit = limitOf(request.query, 50, 500);
          const messages = await recentRecorded(deps.db, limit);
          await deps.audit.record({
            subtype: 'search-type',
            outcome: '0',
            ...auditRequest(request),
            detail: `recorded notification messages: ${messages.length}`,
          });
          return { messages };
        },
      );
    }
  };
}
