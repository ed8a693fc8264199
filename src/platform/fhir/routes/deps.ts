import type { Resource } from '@medplum/fhirtypes';
import type { FastifyRequest } from 'fastify';
import type { AuditInput } from '../../audit/index.js';
import type { Database } from '../../database/database.js';
import { PATIENT_DATA_TYPES, patientOf } from '../patient-compartment.js';

export interface AuditSink {
  record(access: AuditInput): Promise<void>;
}

export interface FhirDeps {
  db: Database;
  /** e.g. http://localhost:3000/fhir/R4 */
  baseUrl: string;
  audit: AuditSink;
}

export function agentOf(request: FastifyRequest): AuditInput['agent'] {
  // Identity and access (a later issue) replaces this with the token's subject.
  return { display: 'unauthenticated', ip: request.ip };
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
