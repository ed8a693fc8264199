/**
 * The parties of a prescription-order message (docs/api.md §6), pure: the patient, the
 * prescriber (PractitionerRole, Practitioner, organisation) and the nominated pharmacy, each
 * checked the same on every item. Part of parse-order.ts's rules.
 */
import type {
  Bundle,
  MedicationRequest,
  Organization,
  Patient,
  Practitioner,
  PractitionerRole,
} from '@medplum/fhirtypes';
import { CHI_NUMBER_SYSTEM, NHS_NUMBER_SYSTEM, patientIdentifierProblem } from '../../nhs/index.js';
import { invalid, missing, Problem } from '../../platform/errors/problem.js';
import { at, identifierValue, type Located, ODS_CODE, ODS_SYSTEM, resolve } from './bundle-entries.js';
import type { ParsedOrder } from './parse-order.js';

const PATIENT_SYSTEMS = [NHS_NUMBER_SYSTEM, CHI_NUMBER_SYSTEM];

export function orderPatient(bundle: Bundle, requests: Located<MedicationRequest>[]): ParsedOrder['patient'] {
  const first = requests[0]!;
  const patient = resolve<Patient>(bundle, first.resource.subject, 'Patient');
  if (!patient)
    throw invalid(
      'MedicationRequest.subject must point to the Patient in the Bundle',
      at(first.index, 'MedicationRequest', 'subject'),
    );
  for (const request of requests) {
    if (request.resource.subject?.reference !== first.resource.subject?.reference) {
      throw invalid(
        'Every item of a prescription must be for the same patient',
        at(request.index, 'MedicationRequest', 'subject'),
      );
    }
  }
  const identifier = patient.resource.identifier?.find((candidate) =>
    PATIENT_SYSTEMS.includes(candidate.system ?? ''),
  );
  if (!identifier?.value || !identifier.system) {
    throw missing(
      'The Patient needs an NHS number or a CHI number',
      at(patient.index, 'Patient', 'identifier'),
    );
  }
  const problem = patientIdentifierProblem(identifier.system, identifier.value);
  if (problem) {
    // The number itself stays out of the message: diagnostics may reach logs.
    const kind = identifier.system.endsWith('chi-number') ? 'CHI' : 'NHS';
    throw new Problem('INVALID_PATIENT_IDENTIFIER', `The patient's ${kind} number is not valid: ${problem}`, {
      expression: at(patient.index, 'Patient', 'identifier'),
    });
  }
  return { ...patient, identifier: { system: identifier.system, value: identifier.value } };
}

export function orderRequester(
  bundle: Bundle,
  requests: Located<MedicationRequest>[],
): Located<PractitionerRole> {
  const first = requests[0]!;
  const role = resolve<PractitionerRole>(bundle, first.resource.requester, 'PractitionerRole');
  if (!role) {
    throw invalid(
      'MedicationRequest.requester must point to a PractitionerRole in the Bundle',
      at(first.index, 'MedicationRequest', 'requester'),
    );
  }
  for (const request of requests) {
    if (request.resource.requester?.reference !== first.resource.requester?.reference) {
      throw invalid(
        'Every item of a prescription must have the same requester',
        at(request.index, 'MedicationRequest', 'requester'),
      );
    }
  }
  return role;
}

export function orderPractitioner(
  bundle: Bundle,
  role: Located<PractitionerRole>,
): ParsedOrder['practitioner'] {
  const reference = role.resource.practitioner;
  const path = at(role.index, 'PractitionerRole', 'practitioner');
  if (!reference) throw missing('PractitionerRole.practitioner is required', path);
  const included = resolve<Practitioner>(bundle, reference, 'Practitioner');
  const identifiers = [
    ...(included?.resource.identifier ?? []),
    ...(reference.identifier ? [reference.identifier] : []),
  ].filter((identifier) => identifier.system && identifier.value);
  const literal = reference.reference?.startsWith('Practitioner/') ? reference.reference : undefined;
  if (identifiers.length === 0 && !literal) {
    throw missing(
      'The prescriber must be identified (an included Practitioner, an identifier or a reference)',
      path,
    );
  }
  return {
    ...(included ? { resource: included.resource } : {}),
    identifiers,
    ...(literal ? { reference: literal } : {}),
  };
}

export function requesterOrganisation(bundle: Bundle, role: Located<PractitionerRole>): string {
  const reference = role.resource.organization;
  const path = at(role.index, 'PractitionerRole', 'organization');
  if (!reference) throw missing('PractitionerRole.organization is required', path);
  const included = resolve<Organization>(bundle, reference, 'Organization');
  const ods = included
    ? identifierValue(included.resource.identifier, ODS_SYSTEM)
    : reference.identifier?.system === ODS_SYSTEM
      ? reference.identifier.value
      : undefined;
  if (!ods) throw missing('The prescribing organisation needs an ODS code', path);
  if (!ODS_CODE.test(ods)) throw invalid(`${ods} is not an ODS organisation code`, path);
  return ods;
}

export function nomination(requests: Located<MedicationRequest>[]): string | undefined {
  let nominated: string | undefined;
  for (const { resource, index } of requests) {
    const performer = resource.dispenseRequest?.performer;
    if (!performer) continue;
    const path = at(index, 'MedicationRequest', 'dispenseRequest.performer');
    if (performer.identifier?.system !== ODS_SYSTEM || !performer.identifier.value) {
      throw invalid('The nominated pharmacy must be identified by its ODS code', path);
    }
    const ods = performer.identifier.value;
    if (!ODS_CODE.test(ods))
      throw invalid(`${ods} is not an ODS organisation code`, `${path}.identifier.value`);
    if (nominated !== undefined && nominated !== ods) {
      throw invalid('Every item of a prescription must be nominated to the same pharmacy', path);
    }
    nominated = ods;
  }
  return nominated;
}
