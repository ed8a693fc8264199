/** What the portal's routes share: auditing their access to patient data, and FHIR replies. */
import type { ParametersParameter, Resource } from '@medplum/fhirtypes';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuditAction, AuditInput, AuditSubtype } from '../platform/audit/audit-event.js';
import { auditRequest } from '../platform/auth/fastify.js';
import type { WriteResult } from '../platform/fhir/store/repository.js';
import { etag } from '../platform/fhir/store/versioning.js';
import { sendFhir } from '../platform/http/fhir-json.js';

export interface AuditSink {
  record(input: AuditInput): Promise<void>;
}

/** One successful access to a patient's data through a portal operation; resolves when durable. */
export function auditOperation(
  audit: AuditSink,
  request: FastifyRequest,
  access: {
    action: AuditAction;
    reference: string;
    patient: string | undefined;
    detail?: string;
    subtype?: AuditSubtype;
  },
): Promise<void> {
  return audit.record({
    action: access.action,
    subtype: access.subtype ?? 'operation',
    outcome: '0',
    ...auditRequest(request),
    entity: { reference: access.reference },
    ...(access.patient ? { patient: access.patient } : {}),
    ...(access.detail ? { detail: access.detail } : {}),
  });
}

/** A written resource with its ETag, Last-Modified and versioned Location. */
export function sendWritten(reply: FastifyReply, result: WriteResult, baseUrl: string, status?: number) {
  reply
    .header('etag', etag(result.versionId))
    .header('last-modified', result.lastUpdated.toUTCString())
    .header('location', `${baseUrl}/${result.resourceType}/${result.id}/_history/${result.versionId}`);
  return sendFhir(reply, status ?? (result.created ? 201 : 200), result.content);
}

/** A stored resource as read, with its ETag. */
export function sendStored(reply: FastifyReply, resource: Resource, status = 200) {
  if (resource.meta?.versionId) reply.header('etag', etag(resource.meta.versionId));
  return sendFhir(reply, status, resource);
}

export function parameters(parameter: ParametersParameter[]) {
  return { resourceType: 'Parameters' as const, parameter };
}
