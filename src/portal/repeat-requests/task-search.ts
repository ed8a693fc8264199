/**
 * The repeat-request answer to `GET /fhir/R4/Task?code=https://fhir.pathways.dev/CodeSystem/task-code|repeat-request…`,
 * for whichever route owns GET /Task to call (it returns undefined for any other Task search):
 *   - a prescriber: `owner:identifier=[system|]<ODS>` of their own organisation (token `org`);
 *   - a patient: their own requests (`subject` / `patient` may only name themselves);
 *   - admin and service desk: by owner, by patient, or both.
 * Also `status` (comma-separated Task statuses), `_count` (1–100, default 20) and `_offset`.
 */
import type { Bundle, Task } from '@medplum/fhirtypes';
import type { FastifyRequest } from 'fastify';
import { auditRequest, principalOf } from '../../platform/auth/fastify.js';
import { isPatientBound, ownPatient } from '../../platform/auth/policy.js';
import { forbidden, invalid } from '../../platform/errors/problem.js';
import type { OtherTaskSearch } from '../../prescribing/index.js';
import type { PortalDeps } from '../deps.js';
import { ODS_SYSTEM, REPEAT_REQUEST_CODE, TASK_CODE_SYSTEM } from './rules.js';
import type { RepeatRequestQuery, RepeatRequests } from './service.js';

/** A search the prescription tracker's GET /Task asks (prescribing's `taskSearches`). */
export type TaskSearch = OtherTaskSearch;

const ALLOWED = new Set([
  'code',
  'owner:identifier',
  'subject',
  'patient',
  'status',
  '_count',
  '_offset',
  '_format',
]);
const STATUSES = new Set([
  'draft',
  'requested',
  'received',
  'accepted',
  'rejected',
  'ready',
  'cancelled',
  'in-progress',
  'on-hold',
  'failed',
  'completed',
  'entered-in-error',
]);
const PATIENT = /^Patient\/([A-Za-z0-9\-.]{1,64})$/;

export function isRepeatRequestQuery(query: URLSearchParams): boolean {
  const code = query.get('code');
  return code === `${TASK_CODE_SYSTEM}|${REPEAT_REQUEST_CODE}` || code === REPEAT_REQUEST_CODE;
}

export function repeatRequestTaskSearch(deps: PortalDeps, service: RepeatRequests): TaskSearch {
  return async (request, query) => {
    if (!isRepeatRequestQuery(query)) return undefined;
    const criteria = await criteriaFor(deps, request, query);
    const found = await service.search(deps.db, criteria);
    const tasks = isPatientBound(principalOf(request))
      ? await deps.access.bindToPatient(request, found)
      : found;
    await auditSearch(deps, request, tasks);
    return bundleOf(deps.baseUrl, query, tasks, criteria);
  };
}

async function criteriaFor(deps: PortalDeps, request: FastifyRequest, query: URLSearchParams) {
  for (const name of query.keys()) {
    if (!ALLOWED.has(name)) throw invalid(`Unknown repeat-request search parameter ${name}`, name);
    // Only one value of each is read: a second one would be silently ignored.
    if (query.getAll(name).length > 1) throw invalid(`${name} is given more than once: give it once`, name);
  }

  const criteria: RepeatRequestQuery = {
    count: number(query, '_count', 20, 1, 100),
    offset: number(query, '_offset', 0, 0, 1_000_000),
  };
  const status = query.get('status');
  if (status !== null) {
    const statuses = status.split(',');
    if (!statuses.every((value) => STATUSES.has(value)))
      throw invalid(`status ${status} is not a Task status`, 'status');
    criteria.status = statuses as Task['status'][];
  }
  const owner = query.get('owner:identifier');
  if (owner !== null) criteria.ownerOds = odsOfParameter(owner);
  const named = query.get('subject') ?? query.get('patient');
  if (named !== null && !PATIENT.test(named)) throw invalid('subject must be Patient/<id>', 'subject');
  const principal = principalOf(request);
  if (isPatientBound(principal)) {
    // Asking for another patient's requests is refused and reported, like reading their record.
    if (named !== null)
      await deps.access.assertPatientBound(request, {
        resourceType: 'Patient',
        id: PATIENT.exec(named)![1]!,
      });
    const own = ownPatient(principal);
    if (!own) throw forbidden('This patient account is not linked to a patient record');
    return { ...criteria, patient: own };
  }
  if (named !== null) criteria.patient = named;
  if (principal.roles.includes('admin') || principal.roles.includes('service-desk')) {
    if (!criteria.ownerOds && !criteria.patient)
      throw invalid('Give owner:identifier or subject', 'owner:identifier');
    return criteria;
  }
  if (principal.roles.includes('prescriber')) {
    if (!criteria.ownerOds)
      throw invalid(
        'A prescriber searches their organisation: owner:identifier=<ODS code>',
        'owner:identifier',
      );
    deps.access.assertOrganisation(request, criteria.ownerOds);
    return criteria;
  }
  throw forbidden('Repeat requests are for patients, their prescribers and the service desk');
}

function odsOfParameter(raw: string): string {
  const [system, value] = raw.includes('|') ? raw.split('|', 2) : [undefined, raw];
  if ((system !== undefined && system !== ODS_SYSTEM) || !value || !/^[A-Za-z0-9]{3,12}$/.test(value)) {
    throw invalid(`owner:identifier must be ${ODS_SYSTEM}|<ODS code>`, 'owner:identifier');
  }
  return value;
}

function number(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  if (!/^\d{1,7}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw invalid(`${name} must be between ${min} and ${max}`, name);
  }
  return Number(raw);
}

async function auditSearch(deps: PortalDeps, request: FastifyRequest, tasks: readonly Task[]): Promise<void> {
  const byPatient = new Map<string, string[]>();
  for (const task of tasks) {
    const patient = task.for?.reference;
    if (!patient) continue;
    byPatient.set(patient, [...(byPatient.get(patient) ?? []), `Task/${task.id}`]);
  }
  await Promise.all(
    [...byPatient].map(([patient, returned]) =>
      deps.audit.record({
        action: 'E',
        subtype: 'search-type',
        outcome: '0',
        ...auditRequest(request),
        entity: { reference: 'Task' },
        returned,
        patient,
      }),
    ),
  );
}

function bundleOf(
  baseUrl: string,
  query: URLSearchParams,
  tasks: readonly Task[],
  criteria: RepeatRequestQuery,
): Bundle {
  const links = [{ relation: 'self', url: `${baseUrl}/Task?${query.toString()}` }];
  if (tasks.length === criteria.count) {
    const next = new URLSearchParams(query);
    next.set('_offset', String((criteria.offset ?? 0) + tasks.length));
    links.push({ relation: 'next', url: `${baseUrl}/Task?${next.toString()}` });
  }
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    link: links,
    entry: tasks.map((task) => ({
      fullUrl: `${baseUrl}/Task/${task.id}`,
      resource: task,
      search: { mode: 'match' },
    })),
  };
}

/** The `repeat-requests` service: the store-level calls, and the Task search above for GET /Task. */
export interface RepeatRequestsService extends RepeatRequests {
  taskSearch: TaskSearch;
}
