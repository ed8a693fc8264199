/**
 * Repeat requests in the store: finding the prescriber organisation of an item, creating the Task
 * (one open request per item), and the `repeat-requests` service other capabilities use — the
 * prescriber's worklist search and completing a request.
 */
import type { MedicationRequest, Organization, PractitionerRole, Task } from '@medplum/fhirtypes';
import type { Queryable } from '../../platform/database/database.js';
import { Problem } from '../../platform/errors/problem.js';
import { patientOf } from '../../platform/fhir/patient-compartment.js';
import { search } from '../../platform/fhir/search/index.js';
import {
  createResource,
  readCurrent,
  updateResource,
  type WriteResult,
} from '../../platform/fhir/store/repository.js';
import { emit } from '../../platform/outbox/outbox.js';
import {
  completedRequest,
  isRepeatRequest,
  literal,
  newRepeatRequest,
  ODS_SYSTEM,
  OPEN_STATUSES,
  odsOf,
  odsOfOrganization,
  prescriberOrgFromExtension,
  REPEAT_REQUEST_CODE,
  type RepeatOutcome,
  TASK_CODE_SYSTEM,
} from './rules.js';

export interface RepeatRequestQuery {
  /** The prescriber organisation (ODS code) the requests are for. */
  ownerOds?: string;
  /** `Patient/<id>` whose requests these are. At least one of ownerOds and patient is needed. */
  patient?: string;
  status?: Task['status'] | readonly Task['status'][];
  /** Page size (default 100, at most 1000) and offset. */
  count?: number;
  offset?: number;
}

/** The service registered as `repeat-requests` (context.services). */
export interface RepeatRequests {
  /** Repeat-request Tasks owned by the organisation, newest first. */
  search(q: Queryable, options: RepeatRequestQuery): Promise<Task[]>;
  /** Completes or rejects an open request in the caller's transaction; emits `repeat-request-completed`. */
  complete(
    tx: Queryable,
    taskId: string,
    decision: { outcome: RepeatOutcome; note?: string; by: string },
  ): Promise<Task>;
}

export function createRepeatRequests(options: { baseUrl: string; now: () => Date }): RepeatRequests {
  return {
    async search(q, { ownerOds, patient, status, count, offset }) {
      if (ownerOds === undefined && patient === undefined) {
        throw new Error('repeat-requests search needs ownerOds or patient');
      }
      const query = new URLSearchParams({
        code: `${TASK_CODE_SYSTEM}|${REPEAT_REQUEST_CODE}`,
        _sort: '-authored-on',
        _count: String(count ?? 100),
        _offset: String(offset ?? 0),
      });
      if (ownerOds !== undefined) query.set('owner:identifier', `${ODS_SYSTEM}|${ownerOds}`);
      if (patient !== undefined) query.set('patient', patient);
      if (status !== undefined) query.set('status', [status].flat().join(','));
      const found = await search(q, 'Task', query, { baseUrl: options.baseUrl });
      return (found.entry ?? []).flatMap((entry) =>
        entry.search?.mode === 'match' && entry.resource ? [entry.resource as Task] : [],
      );
    },
    async complete(tx, taskId, decision) {
      const result = await completeRepeatRequest(tx, taskId, { ...decision, now: options.now() });
      return result.resource as Task;
    },
  };
}

export async function completeRepeatRequest(
  tx: Queryable,
  taskId: string,
  decision: { outcome: RepeatOutcome; note?: string | undefined; by: string; now: Date },
): Promise<WriteResult> {
  const stored = await readCurrent(tx, 'Task', taskId, { forUpdate: true });
  const task = stored && !stored.deleted ? (JSON.parse(stored.content) as Task) : undefined;
  if (!task || !isRepeatRequest(task))
    throw new Problem('NOT_FOUND', `Task/${taskId} is not a repeat request`);
  const result = await updateResource(tx, 'Task', taskId, completedRequest(task, decision));
  await emit(tx, {
    type: 'repeat-request-completed',
    key: `Task/${taskId}`,
    payload: { patient: patientOf(task) ?? null, task: `Task/${taskId}`, outcome: decision.outcome },
  });
  return result;
}

/**
 * The ODS code of the organisation that prescribed the item: the prescribing capability's
 * extension, else the requester PractitionerRole's organisation (by identifier, or the stored
 * Organization it references), else a requester Organization.
 */
export async function prescriberOrganisation(q: Queryable, request: MedicationRequest): Promise<string> {
  const ods = prescriberOrgFromExtension(request) ?? (await fromRequester(q, request));
  if (!ods) {
    throw new Problem(
      'CONFLICT',
      'No prescriber organisation is recorded for this prescription: contact your GP practice',
      { expression: 'MedicationRequest.requester' },
    );
  }
  return ods;
}

async function fromRequester(q: Queryable, request: MedicationRequest): Promise<string | undefined> {
  const requester = literal(request.requester);
  if (requester?.type === 'Organization') return organisationOds(q, requester.id);
  if (requester?.type !== 'PractitionerRole') {
    return request.requester?.type === 'Organization' ? odsOf(request.requester.identifier) : undefined;
  }
  const role = await readLive<PractitionerRole>(q, 'PractitionerRole', requester.id);
  const byIdentifier = odsOf(role?.organization?.identifier);
  if (byIdentifier) return byIdentifier;
  const organization = literal(role?.organization);
  return organization?.type === 'Organization' ? organisationOds(q, organization.id) : undefined;
}

async function organisationOds(q: Queryable, id: string): Promise<string | undefined> {
  const organization = await readLive<Organization>(q, 'Organization', id);
  return organization ? odsOfOrganization(organization) : undefined;
}

async function readLive<T>(q: Queryable, type: string, id: string): Promise<T | undefined> {
  const stored = await readCurrent(q, type, id);
  return stored && !stored.deleted ? (JSON.parse(stored.content) as T) : undefined;
}

/**
 * The open request for this item, or a new one. The item's row is locked first, so two requests
 * for one item at the same moment queue and the second finds the first's Task.
 */
export async function requestRepeat(
  tx: Queryable,
  input: {
    patient: string;
    medicationRequestId: string;
    prescriberOrg: string;
    note: string | undefined;
    now: Date;
  },
  baseUrl: string,
): Promise<{ task: Task; result?: WriteResult }> {
  await readCurrent(tx, 'MedicationRequest', input.medicationRequestId, { forUpdate: true });
  const open = await search(
    tx,
    'Task',
    new URLSearchParams({
      focus: `MedicationRequest/${input.medicationRequestId}`,
      code: `${TASK_CODE_SYSTEM}|${REPEAT_REQUEST_CODE}`,
      status: OPEN_STATUSES.join(','),
      _count: '1',
    }),
    { baseUrl },
  );
  const existing = open.entry?.find((entry) => entry.search?.mode === 'match')?.resource as Task | undefined;
  if (existing) return { task: existing };
  const result = await createResource(tx, newRepeatRequest(input));
  await emit(tx, {
    type: 'repeat-requested',
    key: `Task/${result.id}`,
    payload: {
      patient: input.patient,
      task: `Task/${result.id}`,
      prescriberOrg: input.prescriberOrg,
      medicationRequest: `MedicationRequest/${input.medicationRequestId}`,
    },
  });
  return { task: result.resource as Task, result };
}
