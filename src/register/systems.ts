/** The identifier and code systems the register speaks (docs/api.md §4). */
import { referencePattern } from '../platform/fhir/ids.js';

/** Organisations are named by ODS code (src/nhs defines the system and the code's form). */
export { ODS_CODE, ODS_SYSTEM } from '../nhs/index.js';

/** Professional registration numbers: a Practitioner needs one, and each belongs to one Practitioner. */
export const PROFESSIONAL_NUMBER_SYSTEMS = [
  'https://fhir.hl7.org.uk/Id/gmc-number',
  'https://fhir.hl7.org.uk/Id/nmc-number',
  'https://fhir.hl7.org.uk/Id/gphc-number',
  'https://fhir.hl7.org.uk/Id/hcpc-number',
  'https://fhir.hl7.org.uk/Id/professional-code',
] as const;

export const GMC_NUMBER: string = PROFESSIONAL_NUMBER_SYSTEMS[0];
export const NMC_NUMBER: string = PROFESSIONAL_NUMBER_SYSTEMS[1];
export const PROFESSIONAL_CODE: string = PROFESSIONAL_NUMBER_SYSTEMS[4];

export const PRESCRIBING_RIGHT_SYSTEM = 'https://fhir.pathways.dev/CodeSystem/prescribing-right';
export const PRESCRIBING_RIGHTS = ['independent', 'supplementary', 'controlled-drugs'] as const;
export type PrescribingRight = (typeof PRESCRIBING_RIGHTS)[number];

export function isPrescribingRight(code: unknown): code is PrescribingRight {
  return typeof code === 'string' && (PRESCRIBING_RIGHTS as readonly string[]).includes(code);
}

export function isProfessionalNumberSystem(system: unknown): boolean {
  return typeof system === 'string' && (PROFESSIONAL_NUMBER_SYSTEMS as readonly string[]).includes(system);
}

/** `Practitioner/<id>` as the register writes it (no base URL, no version). */
export const PRACTITIONER_REFERENCE = referencePattern('Practitioner');
