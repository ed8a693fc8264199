import type { Resource } from '@medplum/fhirtypes';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuditInput } from '../../audit/index.js';
import { type AccessControl, agentOfRequest, needsPatientBinding } from '../../auth/fastify.js';
import type { Database } from '../../database/database.js';
import { readPolicy, writePolicy } from '../access-policy.js';
import { PATIENT_DATA_TYPES, patientOf } from '../patient-compartment.js';

export interface AuditSink {
  record(access: AuditInput): Promise<void>;
}

export interface FhirDeps {
  db: Database;
  /** e.g. http://localhost:3000/fhir/R4 */
  baseUrl: string;
  audit: AuditSink;
  access: AccessControl;
}

export const agentOf = agentOfRequest;

/** Enforces the type's read policy; a patient caller is then bound to their own compartment. */
export async function authorizeRead(
  deps: FhirDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  type: string,
) {
  await deps.access.requireAccess(readPolicy(type))(request, reply);
}

/**
 * Enforces the type's write policy; when the writer is a patient, the resource written (and the
 * one replaced) must be in their own compartment.
 */
export async function authorizeWrite(
  deps: FhirDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  type: string,
  resources: Resource[],
) {
  await deps.access.requireAccess(writePolicy(type))(request, reply);
  if (needsPatientBinding(request)) {
    for (const resource of resources) await deps.access.assertPatientBound(request, resource);
  }
}

/** Audits an access when it touched patient data; resolves once the record is durable. */
export async function auditIfPatientData(
  deps: FhirDeps,
  request: FastifyRequest,
  access: Pick<AuditInput, 'action' | 'subtype'> & {
    resource?: Resource;
    reference: string;
    resourceType: string;
  },
): Promise<void> {
  if (!PATIENT_DATA_TYPES.has(access.resourceType)) return;
  const patient =
    access.resourceType === 'Patient'
      ? access.reference.split('/_history')[0]
      : access.resource
        ? patientOf(access.resource)
        : undefined;
  await deps.audit.record({
    action: access.action,
    subtype: access.subtype,
    outcome: '0',
    agent: agentOf(request),
    entity: { reference: access.reference },
    ...(patient ? { patient } : {}),
    requestId: request.id,
  });
}

/** The raw query string of a request, for search parameters that repeat. */
export function queryOf(request: FastifyRequest): URLSearchParams {
  const index = request.url.indexOf('?');
  return new URLSearchParams(index === -1 ? '' : request.url.slice(index + 1));
}
