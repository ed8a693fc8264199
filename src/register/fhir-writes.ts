/**
 * Create (POST) and update (PUT) of a register resource type with the register's rules, in the
 * shape of the generic write routes (platform/fhir/routes/write.ts): same store, same If-Match and
 * If-None-Exist handling, same ETag / Location / Last-Modified. The differences: the register's
 * checks run before the store writes, in its transaction; and every register change is audited
 * (the generic routes audit only patient data, but who changed a right to prescribe matters).
 */
import { randomUUID } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditInput } from '../platform/audit/audit-event.js';
import { type AccessControl, agentOfRequest } from '../platform/auth/fastify.js';
import type { Database, Queryable } from '../platform/database/database.js';
import { Problem } from '../platform/errors/problem.js';
import { writePolicy } from '../platform/fhir/access-policy.js';
import { findIfNoneExist, sendExisting, sendWritten } from '../platform/fhir/routes/write-replies.js';
import {
  createResource,
  readCurrent,
  updateResource,
  type WriteResult,
} from '../platform/fhir/store/repository.js';
import { parseIfMatch, parseIfNoneExist } from '../platform/fhir/store/versioning.js';
import { validateId, validateResource } from '../platform/fhir/validation/index.js';

export interface RegisterDeps {
  db: Database;
  access: AccessControl;
  audit: { record(input: AuditInput): Promise<void> };
  /** e.g. http://localhost:3000/fhir/R4 */
  baseUrl: string;
}

export interface WriteRules<T extends Resource> {
  type: T['resourceType'];
  /** Pure checks of the (R4-valid) resource, before any database work. */
  check(resource: T): void;
  /** Checks inside the write's transaction, just before the store writes version `id`. */
  checkInTransaction(tx: Queryable, resource: T, id: string, current: T | undefined): Promise<void>;
}

function requireBody(body: unknown, type: string): Record<string, unknown> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new Problem(
      'MISSING_VALUE',
      `A FHIR JSON ${type} body is required (Content-Type: application/fhir+json)`,
    );
  }
  const resourceType = (body as { resourceType?: unknown }).resourceType;
  if (resourceType !== type) {
    throw new Problem('INVALID_VALUE', `Body is a ${String(resourceType)}, the URL names ${type}`, {
      expression: 'resourceType',
    });
  }
  return body as Record<string, unknown>;
}

async function auditWrite(deps: RegisterDeps, request: FastifyRequest, result: WriteResult): Promise<void> {
  await deps.audit.record({
    action: result.created ? 'C' : 'U',
    subtype: result.created ? 'create' : 'update',
    outcome: '0',
    agent: agentOfRequest(request),
    entity: { reference: `${result.resourceType}/${result.id}/_history/${result.versionId}` },
    requestId: request.id,
  });
}

export function registerWrites<T extends Resource>(
  scope: FastifyInstance,
  deps: RegisterDeps,
  rules: WriteRules<T>,
) {
  const { type } = rules;
  const preHandler = deps.access.requireAccess(writePolicy(type));

  scope.post(`/${type}`, { preHandler }, async (request, reply) => {
    const resource = validateResource(requireBody(request.body, type)) as T;
    rules.check(resource);
    const ifNoneExist = parseIfNoneExist(request.headers['if-none-exist'] as string | undefined);
    const outcome = await deps.db.transaction(async (tx) => {
      const existing = ifNoneExist && (await findIfNoneExist(tx, type, ifNoneExist, deps.baseUrl));
      if (existing) return { existing, created: undefined };
      const id = randomUUID();
      await rules.checkInTransaction(tx, resource, id, undefined);
      return { existing: undefined, created: await createResource(tx, resource, { id }) };
    });
    if (outcome.existing) return sendExisting(reply, outcome.existing, deps.baseUrl);
    await auditWrite(deps, request, outcome.created!);
    return sendWritten(reply, outcome.created!, deps.baseUrl);
  });

  scope.put<{ Params: { id: string } }>(`/${type}/:id`, { preHandler }, async (request, reply) => {
    const { id } = request.params;
    validateId(id);
    const ifMatch = parseIfMatch(request.headers['if-match']);
    const resource = validateResource(requireBody(request.body, type)) as T;
    if (resource.id !== id) {
      throw new Problem(
        'INVALID_VALUE',
        `Body id ${resource.id ?? '(none)'} must equal the id in the URL (${id})`,
        {
          expression: `${type}.id`,
        },
      );
    }
    rules.check(resource);
    const result = await deps.db.transaction(async (tx) => {
      const stored = await readCurrent(tx, type, id, { forUpdate: true });
      const current = stored && !stored.deleted ? (JSON.parse(stored.content) as T) : undefined;
      await rules.checkInTransaction(tx, resource, id, current);
      return updateResource(tx, type, id, resource, ifMatch !== undefined ? { ifMatch } : {});
    });
    await auditWrite(deps, request, result);
    return sendWritten(reply, result, deps.baseUrl);
  });
}
