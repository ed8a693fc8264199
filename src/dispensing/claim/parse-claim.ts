/**
 * The rules of an EPS Claim (docs/api.md §7), pure: which prescription (the group identifier
 * extension), the claim's own identifier, and that the pharmacist endorsed the items.
 */
import type { Claim } from '@medplum/fhirtypes';
import { invalid, missing, Problem } from '../../platform/errors/problem.js';
import { validateResourceOf } from '../../platform/fhir/validation/index.js';
import {
  PRESCRIPTION_ISSUE_EXTENSION,
  PRESCRIPTION_ORDER_NUMBER,
  shortFormIdProblem,
} from '../../prescribing/index.js';

export const GROUP_IDENTIFIER_EXTENSION =
  'https://fhir.nhs.uk/StructureDefinition/Extension-DM-GroupIdentifier';
export const ENDORSEMENT_SYSTEM = 'https://fhir.nhs.uk/CodeSystem/medicationdispense-endorsement';

/** Names the eRD issue a claim is for (without it: the oldest unclaimed issue the pharmacy dispensed). */
export const CLAIM_ISSUE_EXTENSION = PRESCRIPTION_ISSUE_EXTENSION;

export interface ParsedClaim {
  shortFormId: string;
  claimIdentifier: string;
  issue?: number;
  /** The Claim as received, valid R4. */
  claim: Claim;
}

/** Reads the body as `unknown`: the R4 validation first, so every element has its JSON type. */
export function parseClaim(input: unknown): ParsedClaim {
  const claim = validateResourceOf<Claim>(input, 'Claim', 'POST /Claim takes a Claim');
  const claimIdentifier = claim.identifier?.[0]?.value;
  if (!claimIdentifier) throw missing('Claim.identifier is required', 'Claim.identifier');
  const group = claim.prescription?.extension?.find(
    (extension) => extension.url === GROUP_IDENTIFIER_EXTENSION,
  );
  const shortForm = group?.extension?.find((part) => part.url === 'shortForm')?.valueIdentifier;
  if (!shortForm?.value || (shortForm.system && shortForm.system !== PRESCRIPTION_ORDER_NUMBER)) {
    throw missing(
      'Claim.prescription needs the group identifier extension with the short-form ID',
      'Claim.prescription',
    );
  }
  const problem = shortFormIdProblem(shortForm.value);
  if (problem === 'checksum') {
    throw new Problem(
      'INVALID_CHECKSUM',
      `The check character of prescription ID ${shortForm.value} is wrong`,
      {
        expression: 'Claim.prescription',
      },
    );
  }
  if (problem) throw invalid(`${shortForm.value} is not a prescription ID`, 'Claim.prescription');
  const endorsed = (claim.item ?? []).some((item) =>
    (item.detail ?? []).some((detail) =>
      (detail.programCode ?? []).some((code) =>
        code.coding?.some((coding) => coding.system === ENDORSEMENT_SYSTEM && coding.code),
      ),
    ),
  );
  if (!endorsed) {
    throw missing(
      `A claim needs the dispenser's endorsement (item.detail.programCode in ${ENDORSEMENT_SYSTEM})`,
      'Claim.item.detail.programCode',
    );
  }
  const named = claim.prescription?.extension?.find((extension) => extension.url === CLAIM_ISSUE_EXTENSION);
  if (named) {
    const issue = named.valueUnsignedInt ?? named.valuePositiveInt;
    if (!Number.isInteger(issue) || issue! < 1) {
      throw invalid('The issue a claim names must be a whole number from 1', 'Claim.prescription.extension');
    }
    return { shortFormId: shortForm.value, claimIdentifier, claim, issue };
  }
  return { shortFormId: shortForm.value, claimIdentifier, claim };
}
