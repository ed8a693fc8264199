/**
 * What the register requires of a Practitioner before it is stored (pure): at least one
 * professional registration number, each well-formed. Other identifiers (SDS user id, DIN, …) are
 * kept exactly as given and are not checked here.
 */
import type { Identifier, Practitioner } from '@medplum/fhirtypes';
import { invalid, missing } from '../../platform/errors/problem.js';
import { isProfessionalNumberSystem, PROFESSIONAL_NUMBER_SYSTEMS } from '../systems.js';

export interface ProfessionalNumber {
  system: string;
  value: string;
}

/**
 * Upper-case letters and digits only: GMC `6095103`, NMC `12A3456E`, HCPC `PA12345`. One spelling
 * per number, so that `12a3456e` cannot slip past the one-Practitioner-per-number rule.
 */
const NUMBER = /^[A-Z0-9]{1,20}$/;

const SHORT_NAMES = PROFESSIONAL_NUMBER_SYSTEMS.map((system) => system.split('/').pop()).join(', ');

/**
 * The Practitioner's professional numbers, distinct and in a stable order (the order their locks
 * are taken in); throws MISSING_VALUE when there is none and INVALID_VALUE for a malformed one.
 */
export function professionalNumbers(practitioner: Pick<Practitioner, 'identifier'>): ProfessionalNumber[] {
  const identifiers: Identifier[] = practitioner.identifier ?? [];
  const found = new Map<string, ProfessionalNumber>();
  identifiers.forEach((identifier, index) => {
    if (!isProfessionalNumberSystem(identifier.system)) return;
    const value = identifier.value;
    if (typeof value !== 'string' || value.length === 0) {
      throw missing(`A professional number needs a value`, `Practitioner.identifier[${index}].value`);
    }
    if (!NUMBER.test(value)) {
      throw invalid(
        `'${value.slice(0, 40)}' is not a professional number: use upper-case letters and digits only (1-20)`,
        `Practitioner.identifier[${index}].value`,
      );
    }
    const system = identifier.system as string;
    found.set(`${system}|${value}`, { system, value });
  });
  if (found.size === 0) {
    throw missing(
      `A Practitioner needs a professional registration number (identifier system ${SHORT_NAMES} under https://fhir.hl7.org.uk/Id/)`,
      'Practitioner.identifier',
    );
  }
  return [...found.values()].sort(compareNumbers);
}

function compareNumbers(a: ProfessionalNumber, b: ProfessionalNumber): number {
  const left = `${a.system}|${a.value}`;
  const right = `${b.system}|${b.value}`;
  return left < right ? -1 : left > right ? 1 : 0;
}

/** The FHIRPath of the identifier carrying `number`, for a 409's `expression`. */
export function identifierPath(practitioner: Pick<Practitioner, 'identifier'>, number: ProfessionalNumber) {
  const index = (practitioner.identifier ?? []).findIndex(
    (identifier) => identifier.system === number.system && identifier.value === number.value,
  );
  return index === -1 ? 'Practitioner.identifier' : `Practitioner.identifier[${index}]`;
}

/** The name a certificate's subject CN is made of: the text, or prefix, given and family names. */
export function displayName(practitioner: Pick<Practitioner, 'name' | 'id'>): string {
  const names = practitioner.name ?? [];
  const name =
    names.find((candidate) => candidate.use === 'official') ??
    names.find((candidate) => candidate.use === 'usual') ??
    names[0];
  const text =
    name?.text?.trim() ||
    [...(name?.prefix ?? []), ...(name?.given ?? []), name?.family ?? '', ...(name?.suffix ?? [])]
      .map((part) => part.trim())
      .filter((part) => part.length > 0)
      .join(' ');
  return text.length > 0 ? text : `Practitioner ${practitioner.id ?? ''}`.trim();
}
