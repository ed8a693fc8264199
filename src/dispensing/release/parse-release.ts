/**
 * The Parameters of Task/$release (docs/api.md §7), pure: the pharmacy (owner, by ODS code), the
 * status (always `accepted`), the dispensing agent, and — for a release by ID — the prescription.
 */
import type { Identifier, Parameters, ParametersParameter, Resource } from '@medplum/fhirtypes';
import { invalid, missing, Problem } from '../../platform/errors/problem.js';
import { validateResourceOf } from '../../platform/fhir/validation/index.js';
import {
  ODS_CODE,
  ODS_SYSTEM,
  PRESCRIPTION_ORDER_NUMBER,
  shortFormIdProblem,
} from '../../prescribing/index.js';

export interface ReleaseRequest {
  owner: string;
  /** Set for a release by ID (the patient presented the prescription's ID). */
  shortFormId?: string;
  agent?: Resource | Identifier;
}

/** Reads the body as `unknown`: the R4 validation first, so every element has its JSON type. */
export function parseRelease(input: unknown): ReleaseRequest {
  const parameters =
    validateResourceOf<Parameters>(input, 'Parameters', 'Task/$release takes a Parameters resource')
      .parameter ?? [];
  const named = (name: string) => parameters.filter((parameter) => parameter.name === name);
  const owner = ownerOds(one(named('owner'), 'owner'));
  const status = one(named('status'), 'status');
  if (status.valueCode !== 'accepted')
    throw invalid('status must be "accepted"', "Parameters.parameter.where(name='status')");
  const agent = named('agent')[0];
  const group = named('group-identifier')[0];
  const request: ReleaseRequest = { owner };
  if (agent) request.agent = (agent.resource ?? agent.valueIdentifier) as Resource | Identifier;
  if (group) {
    const identifier = group.valueIdentifier;
    const where = "Parameters.parameter.where(name='group-identifier')";
    if (!identifier?.value || (identifier.system && identifier.system !== PRESCRIPTION_ORDER_NUMBER)) {
      throw invalid(`group-identifier must be a prescription ID in ${PRESCRIPTION_ORDER_NUMBER}`, where);
    }
    const problem = shortFormIdProblem(identifier.value);
    if (problem === 'checksum') {
      throw new Problem(
        'INVALID_CHECKSUM',
        `The check character of prescription ID ${identifier.value} is wrong`,
        { expression: where },
      );
    }
    if (problem) throw invalid(`${identifier.value} is not a prescription ID`, where);
    request.shortFormId = identifier.value;
  }
  return request;
}

function one(found: ParametersParameter[], name: string): ParametersParameter {
  if (found.length === 0)
    throw missing(`Parameter ${name} is required`, `Parameters.parameter.where(name='${name}')`);
  if (found.length > 1)
    throw invalid(`Parameter ${name} appears more than once`, `Parameters.parameter.where(name='${name}')`);
  return found[0]!;
}

function ownerOds(parameter: ParametersParameter): string {
  const where = "Parameters.parameter.where(name='owner')";
  const identifiers: Identifier[] =
    parameter.resource?.resourceType === 'Organization'
      ? (parameter.resource.identifier ?? [])
      : parameter.valueIdentifier
        ? [parameter.valueIdentifier]
        : parameter.valueReference?.identifier
          ? [parameter.valueReference.identifier]
          : [];
  const ods = identifiers.find((identifier) => identifier.system === ODS_SYSTEM)?.value;
  if (!ods) throw missing('owner must be the pharmacy Organization with its ODS code', where);
  if (!ODS_CODE.test(ods)) throw invalid(`${ods} is not an ODS organisation code`, where);
  return ods;
}
