/**
 *   POST /fhir/R4/MedicationRequest/$request-repeat [patient, own record, step-up]
 *        Parameters medicationRequest (valueReference MedicationRequest/<id>), note (valueString)
 *   POST /fhir/R4/Task/{id}/$complete-repeat [prescriber of the Task owner's organisation]
 *        Parameters outcome (valueCode completed | rejected), note (valueString)
 */
import type { MedicationRequest, Task } from '@medplum/fhirtypes';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { agentOfRequest, auditRequest, principalOf } from '../../platform/auth/fastify.js';
import { ownPatient } from '../../platform/auth/policy.js';
import { forbidden, invalid, Problem } from '../../platform/errors/problem.js';
import { patientOf } from '../../platform/fhir/patient-compartment.js';
import { readResource } from '../../platform/fhir/store/repository.js';
import { validateId } from '../../platform/fhir/validation/index.js';
import type { PortalDeps } from '../deps.js';
import { auditOperation, sendStored, sendWritten } from '../http.js';
import {
  codeParameter,
  readParameters,
  referencedId,
  referenceParameter,
  stringParameter,
} from '../parameters.js';
import { PORTAL_POLICIES } from '../policies.js';
import { isRepeatRequest, ownerOds, type RepeatOutcome, repeatRefusal } from './rules.js';
import { completeRepeatRequest, prescriberOrganisation, requestRepeat } from './service.js';

const OUTCOMES: ReadonlySet<string> = new Set(['completed', 'rejected']);

export function registerRepeatRequestRoutes(fhir: FastifyInstance, deps: PortalDeps): void {
  fhir.post(
    '/MedicationRequest/$request-repeat',
    { config: { access: PORTAL_POLICIES.requestRepeat } },
    async (request, reply) => {
      const given = readParameters(request.body, {
        medicationRequest: { types: ['valueReference'], required: true },
        note: { types: ['valueString'], maxLength: 1000 },
      });
      const id = referencedId(
        referenceParameter(given, 'medicationRequest') ?? '',
        'MedicationRequest',
        'medicationRequest',
      );
      const item = JSON.parse(
        (await readResource(deps.db, 'MedicationRequest', id)).content,
      ) as MedicationRequest;
      await deps.access.assertPatientBound(request, item);
      const patient = ownPatient(principalOf(request));
      if (!patient) throw forbidden('This patient account is not linked to a patient record');
      const refusal = repeatRefusal(item);
      if (refusal) throw refusal;
      const prescriberOrg = await prescriberOrganisation(deps.db, item);
      const outcome = await deps.db.transaction((tx) =>
        requestRepeat(
          tx,
          {
            patient,
            medicationRequestId: id,
            prescriberOrg,
            note: stringParameter(given, 'note'),
            now: deps.now(),
          },
          deps.baseUrl,
        ),
      );
      await auditOperation(deps.audit, request, {
        action: outcome.result ? 'C' : 'R',
        reference: `Task/${outcome.task.id}`,
        patient,
        detail: outcome.result ? 'repeat requested' : 'repeat already requested',
      });
      return outcome.result
        ? sendWritten(reply, outcome.result, deps.baseUrl)
        : sendStored(reply, outcome.task);
    },
  );

  fhir.post<{ Params: { id: string } }>(
    '/Task/:id/$complete-repeat',
    { config: { access: PORTAL_POLICIES.completeRepeat } },
    async (request, reply) => {
      const { id } = request.params;
      validateId(id);
      const task = JSON.parse((await readResource(deps.db, 'Task', id)).content) as Task;
      if (!isRepeatRequest(task)) throw new Problem('NOT_FOUND', `Task/${id} is not a repeat request`);
      await assertOwnerOrganisation(deps, request, task);
      const given = readParameters(request.body, {
        outcome: { types: ['valueCode'], required: true },
        note: { types: ['valueString'], maxLength: 1000 },
      });
      const outcome = codeParameter(given, 'outcome') ?? '';
      if (!OUTCOMES.has(outcome))
        throw invalid('outcome must be completed or rejected', 'Parameters.parameter');
      const agent = agentOfRequest(request);
      const result = await deps.db.transaction((tx) =>
        completeRepeatRequest(tx, id, {
          outcome: outcome as RepeatOutcome,
          note: stringParameter(given, 'note'),
          by: agent.reference ?? agent.display ?? 'unknown',
          now: deps.now(),
        }),
      );
      await auditOperation(deps.audit, request, {
        action: 'U',
        reference: `Task/${id}`,
        patient: patientOf(task),
        detail: `repeat request ${outcome}`,
      });
      return sendWritten(reply, result, deps.baseUrl, 200);
    },
  );
}

/** Organisation binding on the Task's owner; a refusal is audited like any refused access. */
async function assertOwnerOrganisation(deps: PortalDeps, request: FastifyRequest, task: Task): Promise<void> {
  try {
    deps.access.assertOrganisation(request, ownerOds(task) ?? '');
  } catch (error) {
    if (error instanceof Problem && error.status === 403) {
      await deps.audit.record({
        subtype: 'use-of-restricted-function',
        outcome: '4',
        ...auditRequest(request),
        entity: { reference: `Task/${task.id}` },
        ...(patientOf(task) ? { patient: patientOf(task) } : {}),
        detail: "the repeat request belongs to another organisation than the caller's",
      });
    }
    throw error;
  }
}
