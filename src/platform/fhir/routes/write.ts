/** create (POST), update (PUT) and delete (DELETE) of one resource. */

import type { Resource } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import { needsPatientBinding, principalOf } from '../../auth/fastify.js';
import { patientCompartmentOf } from '../../auth/patient-binding.js';
import { Problem } from '../../errors/problem.js';
import { clip, shownValue } from '../json-shape.js';
import {
  assertResourceType,
  createResource,
  deleteResource,
  readCurrent,
  updateResource,
} from '../store/repository.js';
import { parseIfMatch, parseIfNoneExist } from '../store/versioning.js';
import { auditIfPatientData, authorizeWrite, type FhirDeps } from './deps.js';
import { findIfNoneExist, sendExisting, sendWritten } from './write-replies.js';

type Params = { type: string; id: string };

function requireBody(body: unknown): unknown {
  if (body === undefined || body === null) {
    throw new Problem(
      'MISSING_VALUE',
      'A FHIR JSON resource body is required (Content-Type: application/fhir+json)',
    );
  }
  return body;
}

export function registerWrite(app: FastifyInstance, deps: FhirDeps): void {
  app.post<{ Params: Pick<Params, 'type'> }>('/:type', async (request, reply) => {
    const { type } = request.params;
    assertResourceType(type);
    const body = requireBody(request.body) as { resourceType?: unknown };
    if (body && typeof body === 'object' && body.resourceType !== type) {
      const given = typeof body.resourceType === 'string' ? body.resourceType : undefined;
      throw new Problem(
        'INVALID_VALUE',
        given === undefined
          ? `resourceType must be the string '${type}', not ${shownValue(body.resourceType)}`
          : `Body is a ${clip(given)}, the URL names ${type}`,
        { expression: 'resourceType' },
      );
    }
    await authorizeWrite(deps, request, reply, type, [body as Resource]);
    const ifNoneExist = parseIfNoneExist(request.headers['if-none-exist'] as string | undefined);
    const forPatient = needsPatientBinding(request);
    const compartment = forPatient ? patientCompartmentOf(principalOf(request)) : undefined;
    // A plain create is one statement (its own transaction); a conditional one searches first.
    const outcome = ifNoneExist
      ? await deps.db.transaction(async (tx) => {
          const existing = await findIfNoneExist(tx, type, ifNoneExist, deps.baseUrl, compartment);
          if (existing) return { existing, created: undefined };
          return { existing: undefined, created: await createResource(tx, body) };
        })
      : { existing: undefined, created: await createResource(deps.db, body) };
    if (outcome.existing) {
      if (forPatient) await deps.access.assertPatientBound(request, outcome.existing);
      return sendExisting(reply, outcome.existing, deps.baseUrl);
    }
    const created = outcome.created!;
    await auditIfPatientData(deps, request, {
      action: 'C',
      subtype: 'create',
      resourceType: type,
      reference: `${type}/${created.id}`,
      resource: created.resource,
    });
    return sendWritten(reply, created, deps.baseUrl);
  });

  app.put<{ Params: Params }>('/:type/:id', async (request, reply) => {
    const { type, id } = request.params;
    const body = requireBody(request.body);
    assertResourceType(type);
    const ifMatch = parseIfMatch(request.headers['if-match']);
    await authorizeWrite(deps, request, reply, type, [body as Resource]);
    // Two statements (read, then write over what was read); the patient binding checks the read.
    const forPatient = needsPatientBinding(request);
    const result = await updateResource(deps.db, type, id, body, {
      ...(ifMatch !== undefined ? { ifMatch } : {}),
      check: async (before) => {
        if (forPatient && before && !before.deleted) {
          await deps.access.assertPatientBound(request, JSON.parse(before.content) as Resource);
        }
      },
    });
    await auditIfPatientData(deps, request, {
      action: result.created ? 'C' : 'U',
      subtype: 'update',
      resourceType: type,
      reference: `${type}/${id}`,
      resource: result.resource,
    });
    return sendWritten(reply, result, deps.baseUrl);
  });

  app.delete<{ Params: Params }>('/:type/:id', async (request, reply) => {
    const { type, id } = request.params;
    assertResourceType(type);
    const ifMatch = parseIfMatch(request.headers['if-match']);
    await authorizeWrite(deps, request, reply, type, []);
    const deleted = await deps.db.transaction(async (tx) => {
      // Read first so the audit record can name the patient the deleted resource belonged to.
      const before = await readCurrent(tx, type, id);
      if (before && !before.deleted && needsPatientBinding(request)) {
        await deps.access.assertPatientBound(request, JSON.parse(before.content) as Resource);
      }
      const result = await deleteResource(tx, type, id, ifMatch !== undefined ? { ifMatch } : {});
      return { before, result };
    });
    if (deleted.result && deleted.before) {
      await auditIfPatientData(deps, request, {
        action: 'D',
        subtype: 'delete',
        resourceType: type,
        reference: `${type}/${id}`,
        resource: JSON.parse(deleted.before.content),
      });
    }
    return reply.code(204).send();
  });
}
