/**
 * FHIR invariants (the `constraint`s of the R4 StructureDefinitions) as predicates: hand-written
 * for every invariant met on the types this server handles (invariant-predicates.ts), and through
 * @medplum/core's FHIRPath engine, parsed once, for the rest.
 */
import {
  type Constraint,
  evalFhirPathTyped,
  type FhirPathAtom,
  parseFhirPath,
  type TypedValue,
} from '@medplum/core';
import { PREDICATES_BY_EXPRESSION } from './invariant-predicates.js';

export interface InvariantScope {
  value: Record<string, unknown>;
  typeName: string;
  /** The resource the value is in (FHIRPath `%resource`). */
  resource: Record<string, unknown>;
  /** The resource whose `contained` local references resolve against (`%rootResource`). */
  rootResource: Record<string, unknown>;
}

export interface Invariant {
  key: string;
  description: string;
  holds(scope: InvariantScope): boolean;
}

/**
 * Constraints not evaluated, and why:
 * - ele-1 ("has a value or children") is checked structurally by the walker, on every element.
 * - dom-3 (every contained resource is referenced) needs `descendants()` over the whole resource.
 * - txt-1, txt-2 (XHTML content rules) use `htmlChecks()`, which needs an HTML parser.
 * - sdf-19 applies to StructureDefinition authoring only.
 */
export const NOT_EVALUATED_CONSTRAINTS: ReadonlySet<string> = new Set([
  'ele-1',
  'dom-3',
  'txt-1',
  'txt-2',
  'sdf-19',
]);

const parsedExpressions = new Map<string, FhirPathAtom | null>();
const UCUM: TypedValue = { type: 'uri', value: 'http://unitsofmeasure.org' };

/** The error-severity constraints worth evaluating, as predicates. Unparseable ones are skipped. */
export function compileInvariants(constraints: readonly Constraint[] | undefined): Invariant[] {
  const invariants: Invariant[] = [];
  for (const constraint of constraints ?? []) {
    if (constraint.severity !== 'error' || NOT_EVALUATED_CONSTRAINTS.has(constraint.key)) continue;
    const holds = PREDICATES_BY_EXPRESSION[constraint.expression] ?? fhirPathPredicate(constraint.expression);
    if (holds) invariants.push({ key: constraint.key, description: constraint.description, holds });
  }
  return invariants;
}

/** Exported for tests, which check the hand-written predicates against it. */
export function fhirPathPredicate(expression: string): ((scope: InvariantScope) => boolean) | undefined {
  const atom = parseOnce(expression);
  if (!atom) return undefined;
  return ({ value, typeName, resource, rootResource }) => {
    const context: TypedValue = { type: typeName, value };
    try {
      const result = evalFhirPathTyped(atom, [context], {
        '%context': context,
        '%resource': { type: String(resource['resourceType']), value: resource },
        '%rootResource': { type: String(rootResource['resourceType']), value: rootResource },
        '%ucum': UCUM,
      });
      return result.length === 1 && result[0]?.value === true;
    } catch {
      // The engine could not evaluate it (e.g. an operand of the wrong type, already reported as
      // a structural error): not evidence that the invariant is broken.
      return true;
    }
  };
}

function parseOnce(expression: string): FhirPathAtom | undefined {
  let atom = parsedExpressions.get(expression);
  if (atom === undefined) {
    try {
      atom = parseFhirPath(expression);
    } catch {
      atom = null;
    }
    parsedExpressions.set(expression, atom);
  }
  return atom ?? undefined;
}
