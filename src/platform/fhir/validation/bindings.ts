/**
 * Required-binding checks: an element bound `required` must carry a code from its ValueSet.
 * A `code` is matched by code alone (it has no system); a Coding by system and code; a
 * CodeableConcept needs at least one such Coding (other codings, e.g. translations, may be
 * anything).
 */
import { clip, describeJsonType } from './primitives.js';
import type { AllowedCodes } from './value-sets.js';

/** What is wrong with a bound value, or undefined when it is in the ValueSet. */
export function requiredBindingProblem(
  typeCode: string,
  value: unknown,
  allowed: AllowedCodes,
): string | undefined {
  switch (typeCode) {
    case 'code':
      return typeof value !== 'string' || allowed.codes.has(value)
        ? undefined
        : `'${clip(value)}' is not allowed; ${expectation(allowed)}`;
    case 'Coding':
      return isCodingFrom(value, allowed)
        ? undefined
        : `${describeCoding(value)} is not allowed; ${expectation(allowed)}`;
    case 'CodeableConcept':
      return codeableConceptHasCodingFrom(value, allowed)
        ? undefined
        : `no coding is from the required ValueSet; ${expectation(allowed)}`;
    default:
      return undefined;
  }
}

function isCodingFrom(coding: unknown, allowed: AllowedCodes): boolean {
  if (typeof coding !== 'object' || coding === null) return false;
  const { system, code } = coding as { system?: unknown; code?: unknown };
  return (
    typeof system === 'string' && typeof code === 'string' && allowed.bySystem.get(system)?.has(code) === true
  );
}

function codeableConceptHasCodingFrom(concept: unknown, allowed: AllowedCodes): boolean {
  if (typeof concept !== 'object' || concept === null) return false;
  const codings = (concept as { coding?: unknown }).coding;
  return Array.isArray(codings) && codings.some((coding) => isCodingFrom(coding, allowed));
}

function describeCoding(coding: unknown): string {
  if (typeof coding !== 'object' || coding === null) return describeJsonType(coding);
  const { system, code } = coding as { system?: unknown; code?: unknown };
  return `${typeof system === 'string' ? clip(system) : '(no system)'}|${typeof code === 'string' ? clip(code) : '(no code)'}`;
}

/** Lists the codes when there are few enough to read; always names the ValueSet. */
function expectation(allowed: AllowedCodes): string {
  const valueSet = `ValueSet ${allowed.valueSetUrl}`;
  if (allowed.codes.size > 12) return `expected a code from ${valueSet}`;
  return `expected one of ${[...allowed.codes].join(', ')} (${valueSet})`;
}
