import type { Resource } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import { needsPatientBinding } from '../../auth/fastify.js';
import { sendFhir } from '../../http/fhir-json.js';
import type { ResourceRules } from '../resource-rules.js';
import { readResource, readVersion } from '../store/repository.js';
import { etag } from '../store/versioning.js';
import {
  assertVisibleToPatient,
  auditIfPatientData,
  authorizeRead,
  type FhirDeps,
  READ_RULES,
  reportShownToPatient,
} from './deps.js';

type Params = { type: string; id: string; vid: string };

export function registerRead(app: FastifyInstance, deps: FhirDeps): void {
  app.get<{ Params: Params }>('/:type/:id', { config: READ_RULES }, async (request, reply) => {
    const { type, id } = request.params;
    await authorizeRead(deps, request, type);
    const stored = await readResource(deps.db, type, id);
    const forPatient = needsPatientBinding(request) ? (JSON.parse(stored.content) as Resource) : undefined;
    if (forPatient) {
      await deps.access.assertPatientBound(request, forPatient);
      await assertVisibleToPatient(deps, request, forPatient, `${type}/${id}`);
    }
    const purpose = await deps.staffReads.authorizeInstance(request, {
      interaction: 'read',
      resourceType: type,
      id,
      reference: `${type}/${id}`,
      content: stored.content,
    });
    await auditIfPatientData(deps, request, {
      action: 'R',
      subtype: 'read',
      resourceType: type,
      reference: `${type}/${id}`,
      purpose,
      // Parsed only to find the patient of a compartment resource; the reply is the stored text.
      ...(needsParseForAudit(deps.rules, type)
        ? { resource: forPatient ?? (JSON.parse(stored.content) as Resource) }
        : {}),
    });
    if (forPatient) await reportShownToPatient(deps, request, [forPatient]);
    reply.header('etag', etag(stored.versionId)).header('last-modified', stored.lastUpdated.toUTCString());
    return sendFhir(reply, 200, stored.content);
  });

  app.get<{ Params: Params }>('/:type/:id/_history/:vid', { config: READ_RULES }, async (request, reply) => {
    const { type, id, vid } = request.params;
    await authorizeRead(deps, request, type);
    const stored = await readVersion(deps.db, type, id, vid);
    const resource = JSON.parse(stored.content) as Resource;
    const forPatient = needsPatientBinding(request);
    if (forPatient) {
      await deps.access.assertPatientBound(request, resource);
      await assertVisibleToPatient(deps, request, resource, `${type}/${id}/_history/${vid}`);
    }
    const purpose = await deps.staffReads.authorizeInstance(request, {
      interaction: 'vread',
      resourceType: type,
      id,
      reference: `${type}/${id}/_history/${vid}`,
      content: stored.content,
    });
    await auditIfPatientData(deps, request, {
      action: 'R',
      subtype: 'vread',
      resourceType: type,
      reference: `${type}/${id}/_history/${vid}`,
      resource,
      purpose,
    });
    if (forPatient) await reportShownToPatient(deps, request, [resource]);
    reply.header('etag', etag(stored.versionId)).header('last-modified', stored.lastUpdated.toUTCString());
    return sendFhir(reply, 200, stored.content);
  });
}

function needsParseForAudit(rules: ResourceRules, type: string): boolean {
  return type !== 'Patient' && rules.holdsPatientData(type);
}
