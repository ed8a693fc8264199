/**
 * GET /fhir/R4/Task: the prescription tracker (focus:identifier, patient:identifier, patient,
 * business-status), or — for `code=…|repeat-request` — the prescriber organisation's repeat
 * request worklist, which the portal capability answers.
 */
import type { Bundle, Task } from '@medplum/fhirtypes';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditInput } from '../../platform/audit/audit-event.js';
import {
  type AccessControl,
  agentOfRequest,
  needsPatientBinding,
  principalOf,
} from '../../platform/auth/fastify.js';
import type { AccessPolicy } from '../../platform/auth/policy.js';
import type { Database } from '../../platform/database/database.js';
import { invalid } from '../../platform/errors/problem.js';
import { queryOf } from '../../platform/fhir/routes/deps.js';
import { sendFhir } from '../../platform/http/fhir-json.js';
import { listPrescriptions } from '../store/prescriptions.js';
import { latestStatusUpdates } from '../store/status-updates.js';
import { trackerTask } from '../tracker/task-view.js';
import { isTrackerQuery, trackerQuery } from '../tracker/tracker-query.js';

export const TRACKER_POLICY: AccessPolicy = {
  roles: ['prescriber', 'dispenser', 'clinician', 'patient', 'service-desk', 'admin'],
  patient: 'bound',
};

export type OtherTaskSearch = (
  request: FastifyRequest,
  query: URLSearchParams,
) => Promise<Bundle | undefined>;

interface TaskSearchDeps {
  db: Database;
  access: AccessControl;
  audit: { record(input: AuditInput): Promise<void> };
  baseUrl: string;
  /** Other Task searches (the repeat-request worklist); undefined when it does not apply. */
  otherSearches: OtherTaskSearch[];
}

export function registerTaskSearch(fhir: FastifyInstance, deps: TaskSearchDeps): void {
  const route = {
    config: { access: TRACKER_POLICY, cancelQueriesOnClose: true },
  };
  fhir.get('/Task', route, async (request, reply) => {
    const query = queryOf(request);
    if (!isTrackerQuery(query)) {
      for (const search of deps.otherSearches) {
        const bundle = await search(request, query);
        if (bundle) return sendFhir(reply, 200, bundle);
      }
      throw invalid('Task search needs focus:identifier, patient:identifier, patient or business-status');
    }
    const parsed = trackerQuery(query, principalOf(request));
    if (parsed.onlyPatient && parsed.patient && parsed.patient !== parsed.onlyPatient) {
      // Answered as for a patient without prescriptions; naming someone else is still reported.
      const other = { resourceType: 'Patient', id: parsed.patient.slice('Patient/'.length) } as const;
      await deps.access.bindToPatient(request, [other]);
    }
    const records = await listPrescriptions(deps.db, parsed);
    const updates = await latestStatusUpdates(
      deps.db,
      records.map((record) => record.shortFormId),
    );
    let tasks: Task[] = records.map((record) => trackerTask(record, updates.get(record.shortFormId)));
    if (needsPatientBinding(request)) tasks = await deps.access.bindToPatient(request, tasks);
    await auditTrackerSearch(deps, request, tasks);
    const links = [{ relation: 'self', url: `${deps.baseUrl}/Task?${query.toString()}` }];
    if (records.length === parsed.limit) {
      const next = new URLSearchParams(query);
      next.set('_offset', String((parsed.offset ?? 0) + parsed.limit));
      links.push({ relation: 'next', url: `${deps.baseUrl}/Task?${next.toString()}` });
    }
    const bundle: Bundle<Task> = {
      resourceType: 'Bundle',
      type: 'searchset',
      link: links,
      entry: tasks.map((task) => ({
        fullUrl: `${deps.baseUrl}/Task/${task.id}`,
        resource: task,
        search: { mode: 'match' },
      })),
    };
    return sendFhir(reply, 200, bundle);
  });
}

/**
 * One record per patient whose prescriptions were listed (a patient's own search: one per
 * request), naming every Task returned, rather than one record per Task.
 */
async function auditTrackerSearch(deps: TaskSearchDeps, request: FastifyRequest, tasks: readonly Task[]) {
  const byPatient = new Map<string | undefined, string[]>();
  for (const task of tasks) {
    const patient = task.for?.reference;
    const listed = byPatient.get(patient) ?? [];
    listed.push(`Task/${task.id}`);
    byPatient.set(patient, listed);
  }
  const agent = agentOfRequest(request);
  await Promise.all(
    [...byPatient].map(([patient, returned]) =>
      deps.audit.record({
        action: 'R',
        subtype: 'search-type',
        outcome: '0',
        agent,
        entity: { reference: 'Task' },
        returned,
        ...(patient ? { patient } : {}),
        requestId: request.id,
      }),
    ),
  );
}
