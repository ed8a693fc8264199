import type { Resource } from '@medplum/fhirtypes';
import type { FastifyRequest } from 'fastify';
import type { AuditInput } from '../../audit/index.js';
import { type AccessControl, auditRequest, needsPatientBinding, principalOf } from '../../auth/fastify.js';
import { policyInHandler } from '../../auth/policy.js';
import type { Database } from '../../database/database.js';
import { Problem } from '../../errors/problem.js';
import { readPolicy } from '../access-policy.js';
import { patientOf } from '../patient-compartment.js';
import { type PatientVisibility, patientVisibilityOf } from '../patient-visibility.js';
import type { AuditPurpose, StaffReads } from '../read-access/staff-reads.js';
import type { ResourceRules } from '../resource-rules.js';
import { policyOf, type WriteInteraction } from '../write-rules.js';

export interface AuditSink {
  record(access: AuditInput): Promise<void>;
}

export interface FhirDeps {
  db: Database;
  /** e.g. http://localhost:3000/fhir/R4 */
  baseUrl: string;
  audit: AuditSink;
  access: AccessControl;
  /** Which staff caller may read which instance (relationships, break the glass). */
  staffReads: StaffReads;
  /**
   * What the capabilities declared per type: write rules (who, checks, audit, events), read rules
   * (group, patient data), relationships.
   */
  rules: ResourceRules;
  /** Rules hiding a patient's own resources until they may see them; default: the access control's. */
  visibility?: PatientVisibility;
}

export { auditRequest };

/**
 * What the generic routes declare (`config.access`): the resource type in the URL (or in each
 * transaction entry) picks the policy, so the handler enforces it before it reads or writes —
 * `authorizeRead` / `authorizeWrite` below, always first.
 */
export const READ_RULES = {
  access: policyInHandler('the read policy of the resource type (access-policy.ts)'),
};
export const WRITE_RULES = {
  access: policyInHandler("the write policy the resource type's capability declared (write-rules.ts)"),
};

/** Enforces the type's read policy; a patient caller is then bound to their own compartment. */
export async function authorizeRead(deps: FhirDeps, request: FastifyRequest, type: string) {
  await deps.access.enforce(request, readPolicy(deps.rules.readGroup(type)));
}

/**
 * Enforces the policy the type's capability declared for the interaction (nobody when none did);
 * when the writer is a patient, the resource written (and the one replaced) must be in their own
 * compartment.
 */
export async function authorizeWrite(
  deps: FhirDeps,
  request: FastifyRequest,
  type: string,
  interaction: WriteInteraction,
  resources: Resource[],
) {
  await deps.access.enforce(request, policyOf(deps.rules.writeRules(type), interaction));
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
    /** Break the glass: always audited, with the purpose of use and the stated reason. */
    purpose?: AuditPurpose | undefined;
  },
): Promise<void> {
  if (!deps.rules.holdsPatientData(access.resourceType) && !access.purpose) return;
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
    ...auditRequest(request),
    entity: { reference: access.reference },
    ...(patient ? { patient } : {}),
    ...access.purpose,
  });
}

/**
 * Audits a create, update or delete as the type's rules say: `always` (with the version written, as
 * a register change is), else when it touched patient data.
 */
export async function auditWrite(
  deps: FhirDeps,
  request: FastifyRequest,
  write: Pick<AuditInput, 'action' | 'subtype'> & {
    resourceType: string;
    id: string;
    versionId: number;
    /** The resource written, or for a delete the version deleted (names the patient). */
    resource: Resource | undefined;
  },
): Promise<void> {
  const { resourceType, id, resource } = write;
  if (deps.rules.writeRules(resourceType)?.audit !== 'always') {
    await auditIfPatientData(deps, request, {
      action: write.action,
      subtype: write.subtype,
      resourceType,
      reference: `${resourceType}/${id}`,
      ...(resource ? { resource } : {}),
    });
    return;
  }
  const patient = resource ? patientOf(resource) : undefined;
  await deps.audit.record({
    ...auditRequest(request),
    action: write.action,
    subtype: write.subtype,
    outcome: '0',
    entity: { reference: `${resourceType}/${id}/_history/${write.versionId}` },
    ...(patient ? { patient } : {}),
  });
}

/** The raw query string of a request, for search parameters that repeat. */
export function queryOf(request: FastifyRequest): URLSearchParams {
  const index = request.url.indexOf('?');
  return new URLSearchParams(index === -1 ? '' : request.url.slice(index + 1));
}

export function visibilityOf(deps: FhirDeps): PatientVisibility {
  return deps.visibility ?? patientVisibilityOf(deps.access);
}

/**
 * One resource about to be returned to a patient-bound caller (already patient-bound): a 404, as
 * if it did not exist, when a visibility rule hides it from the patient for now. The attempt is
 * audited with the patient, as a refused read, but it is not a wrong-patient event.
 */
export async function assertVisibleToPatient(
  deps: FhirDeps,
  request: FastifyRequest,
  resource: Resource,
  reference: string,
): Promise<void> {
  const visible = await visibilityOf(deps).filter(deps.db, [resource], principalOf(request));
  if (visible.length > 0) return;
  const patient = patientOf(resource);
  await deps.audit.record({
    action: 'R',
    subtype: 'read',
    outcome: '4',
    ...auditRequest(request),
    entity: { reference },
    ...(patient ? { patient } : {}),
    detail: 'not visible to the patient yet; answered as not found',
  });
  throw new Problem('NOT_FOUND', `${reference} not found`);
}

/**
 * Tells the visibility rules what was returned to a patient (e.g. a result is now seen). A failure
 * here never fails the read that already succeeded; the next view records it again.
 */
export async function reportShownToPatient(
  deps: FhirDeps,
  request: FastifyRequest,
  resources: readonly Resource[],
): Promise<void> {
  try {
    await visibilityOf(deps).shown(resources, principalOf(request));
  } catch (error) {
    request.log.error({ err: error }, 'could not record what a patient was shown');
  }
}
