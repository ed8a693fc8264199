/** create (POST), update (PUT) and delete (DELETE) of one resource, with the type's declared rules. */

import type { Resource } from '@medplum/fhirtypes';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { needsPatientBinding } from '../../auth/fastify.js';
import { Problem } from '../../errors/problem.js';
import { clip, shownValue } from '../json-shape.js';
import { assertResourceType } from '../store/repository.js';
import { createWithRules, deleteWithRules, type Guard, updateWithRules } from '../store/ruled-writes.js';
import { parseIfMatch, parseIfNoneExist } from '../store/versioning.js';
import { hasTransactionRules, parseChecked, type WriteRules } from '../write-rules.js';
import { auditWrite, authorizeWrite, type FhirDeps, WRITE_RULES } from './deps.js';
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

function requireType(body: unknown, type: string): void {
  const given = (body as { resourceType?: unknown } | null)?.resourceType;
  if (typeof body !== 'object' || given === type) return;
  throw new Problem(
    'INVALID_VALUE',
    typeof given !== 'string'
      ? `resourceType must be the string '${type}', not ${shownValue(given)}`
      : `Body is a ${clip(given)}, the URL names ${type}`,
    { expression: 'resourceType' },
  );
}

/**
 * The body as the type's rules read it (their shape and pure checks, before any database work);
 * a type without such rules is validated by the store as it writes.
 */
function parsed(rules: WriteRules | undefined, body: unknown): Resource {
  return rules?.parse || rules?.check ? parseChecked(rules, body) : (body as Resource);
}

/** A patient caller may only replace or delete what is in their own compartment. */
function guardOf(deps: FhirDeps, request: FastifyRequest): Guard {
  return needsPatientBinding(request)
    ? { current: (resource) => deps.access.assertPatientBound(request, resource) }
    : {};
}

export function registerWrite(app: FastifyInstance, deps: FhirDeps): void {
  app.post<{ Params: Pick<Params, 'type'> }>('/:type', { config: WRITE_RULES }, async (request, reply) => {
    const { type } = request.params;
    assertResourceType(type);
    const body = requireBody(request.body);
    requireType(body, type);
    await authorizeWrite(deps, request, type, 'create', [body as Resource]);
    const rules = deps.rules.writeRules(type);
    const resource = parsed(rules, body);
    const ifNoneExist = parseIfNoneExist(request.headers['if-none-exist'] as string | undefined);
    const forPatient = needsPatientBinding(request);
    const compartment = forPatient ? deps.access.patientCompartment(request) : undefined;
    // A plain create is one statement (its own transaction); a conditional one searches first.
    const outcome =
      ifNoneExist || hasTransactionRules(rules)
        ? await deps.db.transaction(async (tx) => {
            const existing =
              ifNoneExist && (await findIfNoneExist(tx, type, ifNoneExist, deps.baseUrl, compartment));
            if (existing) return { existing, created: undefined };
            return { existing: undefined, created: await createWithRules(tx, rules, resource) };
          })
        : { existing: undefined, created: await createWithRules(deps.db, rules, resource) };
    if (outcome.existing) {
      if (forPatient) await deps.access.assertPatientBound(request, outcome.existing);
      return sendExisting(reply, outcome.existing, deps.baseUrl);
    }
    const created = outcome.created!;
    await auditWrite(deps, request, {
      action: 'C',
      subtype: 'create',
      resourceType: type,
      id: created.id,
      versionId: created.versionId,
      resource: created.resource,
    });
    return sendWritten(reply, created, deps.baseUrl);
  });

  app.put<{ Params: Params }>('/:type/:id', { config: WRITE_RULES }, async (request, reply) => {
    const { type, id } = request.params;
    const body = requireBody(request.body);
    assertResourceType(type);
    requireType(body, type);
    const ifMatch = parseIfMatch(request.headers['if-match']);
    await authorizeWrite(deps, request, type, 'update', [body as Resource]);
    const rules = deps.rules.writeRules(type);
    const resource = parsed(rules, body);
    const target = { type, id, ...(ifMatch !== undefined ? { ifMatch } : {}) };
    const guard = guardOf(deps, request);
    // Without transaction rules an update is two statements (read, then a version-checked write).
    const result = hasTransactionRules(rules)
      ? await deps.db.transaction((tx) => updateWithRules(tx, rules, target, resource, guard))
      : await updateWithRules(deps.db, rules, target, resource, guard);
    await auditWrite(deps, request, {
      action: result.created ? 'C' : 'U',
      subtype: 'update',
      resourceType: type,
      id,
      versionId: result.versionId,
      resource: result.resource,
    });
    return sendWritten(reply, result, deps.baseUrl);
  });

  app.delete<{ Params: Params }>('/:type/:id', { config: WRITE_RULES }, async (request, reply) => {
    const { type, id } = request.params;
    assertResourceType(type);
    const ifMatch = parseIfMatch(request.headers['if-match']);
    await authorizeWrite(deps, request, type, 'delete', []);
    const rules = deps.rules.writeRules(type);
    const target = { type, id, ...(ifMatch !== undefined ? { ifMatch } : {}) };
    // The deleted version names the patient it belonged to in the audit record.
    const deleted = await deps.db.transaction((tx) =>
      deleteWithRules(tx, rules, target, guardOf(deps, request)),
    );
    if (deleted) {
      await auditWrite(deps, request, {
        action: 'D',
        subtype: 'delete',
        resourceType: type,
        id,
        versionId: deleted.versionId,
        resource: deleted.before,
      });
    }
    return reply.code(204).send();
  });
}
