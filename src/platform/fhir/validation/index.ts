/**
 * Validation of every FHIR write against R4: structure (elements, types, formats, cardinality,
 * invariants) from the R4 StructureDefinitions, plus the required-binding code checks that
 * @medplum/core's validator leaves out.
 *
 * It accepts any concrete R4 resource type, because message Bundles carry types this server does
 * not store (MessageHeader, Bundle itself); whether a type may be stored is the repository's
 * decision (RESOURCE_TYPES).
 */
import type { Resource } from '@medplum/fhirtypes';
import { invalid, Problem } from '../../errors/problem.js';
import { FHIR_ID, RESOURCE_TYPES } from '../resource-types.js';
import { compiledType, isKnownResourceType } from './compiled-schema.js';
import { ensureStructureDefinitions } from './definitions.js';
import { problemFromIssues } from './issues.js';
import { clip, isRecord } from './primitives.js';
import { resourceProblems } from './walker.js';

export { skippedRequiredBindings } from './compiled-schema.js';

/** Types compiled at start besides the stored ones: those that arrive inside messages. */
const MESSAGE_TYPES = ['Bundle', 'MessageHeader', 'Parameters', 'OperationOutcome'];

/**
 * Loads the R4 definitions and compiles the plans for every stored and message resource type, so
 * the first request does not pay for it (about 1.5 s). Safe to call more than once.
 */
export function loadValidationDefinitions(): void {
  ensureStructureDefinitions();
  for (const type of [...RESOURCE_TYPES, ...MESSAGE_TYPES]) warmUp(type);
}

/** Returns the input typed as a Resource when it is valid R4; otherwise throws one Problem. */
export function validateResource(input: unknown): Resource {
  if (!isRecord(input)) throw invalid('The body must be a FHIR resource (a JSON object)');
  const resourceType = input['resourceType'];
  if (resourceType === undefined) throw invalid('The resource has no resourceType', 'resourceType');
  if (typeof resourceType !== 'string') throw invalid('resourceType must be a string', 'resourceType');
  const type = isKnownResourceType(resourceType) ? compiledType(resourceType) : undefined;
  if (!type) throw invalid(`'${clip(resourceType)}' is not an R4 resource type`, 'resourceType');
  let issues: ReturnType<typeof resourceProblems>;
  try {
    issues = resourceProblems(input, type);
  } catch (error) {
    // Bad input must only ever produce a Problem; anything else here is a gap in the walker.
    if (error instanceof Problem) throw error;
    throw invalid(`The ${resourceType} could not be validated: ${(error as Error).message}`);
  }
  const problem = problemFromIssues(issues);
  if (problem) throw problem;
  return input as unknown as Resource;
}

/**
 * The input as a valid R4 resource of one type, for parsers of messages that take `unknown`:
 * after this every element has the JSON type R4 gives it, so a parser may read them as typed.
 * `refusal` says what the route takes, for a body that is not that type at all.
 */
export function validateResourceOf<T extends Resource>(
  input: unknown,
  type: T['resourceType'],
  refusal: string,
): T {
  if (!isRecord(input) || input['resourceType'] !== type) throw invalid(refusal, type);
  return validateResource(input) as T;
}

/** A FHIR logical id: 1–64 characters of A–Z, a–z, 0–9, '-' and '.'. */
export function validateId(id: string): void {
  if (typeof id !== 'string' || !FHIR_ID.test(id)) {
    const shown = typeof id === 'string' ? `'${clip(id)}'` : String(id);
    throw invalid(`${shown} is not a valid id: use 1-64 of A-Z, a-z, 0-9, '-' and '.'`);
  }
}

function warmUp(typeName: string): void {
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const property of compiledType(name)?.properties.values() ?? []) {
      if (property.kind === 'complex') visit(property.typeCode);
    }
  };
  visit(typeName);
}
