/**
 * Compiles a SearchParameter's FHIRPath expression into a function that pulls the indexed values
 * out of one resource type. R4 expressions are unions over many types (`AllergyIntolerance.patient
 * | CarePlan.subject.where(resolve() is Patient) | …`); only the branches for the type at hand are
 * kept, and the four shapes that make up nearly all of them are evaluated by a plain property walk
 * — several times faster than the general FHIRPath engine, which matters on every create. Any
 * other shape falls back to @medplum/core's evaluator, parsed once.
 */
import { evalFhirPath, parseFhirPath } from '@medplum/core';
import { parseReferenceLiteral } from './values.js';

export type Extractor = (resource: object) => unknown[];

/** The extractor for `resourceType`, or undefined when no branch of the expression applies to it. */
export function compileExpression(resourceType: string, expression: string): Extractor | undefined {
  const branches = branchesFor(resourceType, expression);
  if (branches.length === 0) return undefined;
  const extractors = branches.map((branch) => compileBranch(branch));
  if (extractors.length === 1) return extractors[0];
  return (resource) => extractors.flatMap((extract) => extract(resource));
}

/** The union branches of an expression that apply to the resource type. */
export function branchesFor(resourceType: string, expression: string): string[] {
  return splitTopLevelUnion(expression)
    .map(stripOuterParentheses)
    .filter((branch) => branch.startsWith(`${resourceType}.`) || branch.startsWith(`(${resourceType}.`));
}

/** Splits on `|` outside parentheses and quoted strings. */
export function splitTopLevelUnion(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const char = expression[i];
    if (char === "'" && expression[i - 1] !== '\\') quoted = !quoted;
    if (quoted) continue;
    if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === '|' && depth === 0) {
      parts.push(expression.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(expression.slice(start).trim());
  return parts.filter((part) => part.length > 0);
}

function stripOuterParentheses(branch: string): string {
  // `(A.b as X)` stays as it is (handled as a cast); only a fully wrapping plain pair is removed.
  if (branch.startsWith('(') && branch.endsWith(')') && !/ as [A-Za-z]+\)$/.test(branch)) {
    const inner = branch.slice(1, -1);
    if (splitTopLevelUnion(inner).length === 1 && balanced(inner)) return inner.trim();
  }
  return branch;
}

function balanced(text: string): boolean {
  let depth = 0;
  for (const char of text) {
    if (char === '(') depth++;
    if (char === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

const PATH = '((?:\\.[A-Za-z][A-Za-z0-9]*)+)';
const PLAIN = new RegExp(`^[A-Z][A-Za-z]*${PATH}$`);
const CAST = new RegExp(`^\\([A-Z][A-Za-z]*${PATH} as ([A-Za-z]+)\\)${PATH}?$`);
const RESOLVES_TO = new RegExp(`^[A-Z][A-Za-z]*${PATH}\\.where\\(resolve\\(\\) is ([A-Z][A-Za-z]+)\\)$`);
// Patient.deceased.exists() and Patient.deceased != false
const PRESENT_AND_NOT_FALSE = new RegExp(
  `^[A-Z][A-Za-z]*${PATH}\\.exists\\(\\) and [A-Z][A-Za-z]*\\1 != false$`,
);
const FIELD_EQUALS = new RegExp(`^[A-Z][A-Za-z]*${PATH}\\.where\\(([a-z][A-Za-z]*) ?= ?'([^']*)'\\)$`);

/** How a branch is evaluated: a property walk of one of the known shapes, or general FHIRPath. */
export type BranchKind =
  | 'path'
  | 'cast'
  | 'present-and-not-false'
  | 'resolves-to'
  | 'field-equals'
  | 'fhirpath';

function compileBranch(branch: string): Extractor {
  return compileBranchWithKind(branch).extract;
}

export function compileBranchWithKind(branch: string): { kind: BranchKind; extract: Extractor } {
  let match = PLAIN.exec(branch);
  if (match) {
    const steps = pathSteps(match[1]);
    return { kind: 'path', extract: (resource) => walk(resource, steps) };
  }
  match = CAST.exec(branch);
  if (match) {
    // `(Observation.value as Quantity)` reads exactly `valueQuantity`
    const steps = pathSteps(match[1]);
    const last = steps.pop() ?? '';
    const fullPath = [...steps, last + upperFirst(match[2] ?? ''), ...pathSteps(match[3])];
    return { kind: 'cast', extract: (resource) => walk(resource, fullPath, false) };
  }
  match = PRESENT_AND_NOT_FALSE.exec(branch);
  if (match) {
    const steps = pathSteps(match[1]);
    const extract: Extractor = (resource) => {
      const values = walk(resource, steps);
      return [values.length > 0 && values[0] !== false];
    };
    return { kind: 'present-and-not-false', extract };
  }
  match = RESOLVES_TO.exec(branch);
  if (match) {
    const steps = pathSteps(match[1]);
    const type = match[2] ?? '';
    const extract: Extractor = (resource) =>
      walk(resource, steps).filter((value) => referenceMayBe(value, type));
    return { kind: 'resolves-to', extract };
  }
  match = FIELD_EQUALS.exec(branch);
  if (match) {
    const steps = pathSteps(match[1]);
    const field = match[2] ?? '';
    const expected = match[3];
    const extract: Extractor = (resource) =>
      walk(resource, steps).filter(
        (value) =>
          typeof value === 'object' &&
          value !== null &&
          (value as Record<string, unknown>)[field] === expected,
      );
    return { kind: 'field-equals', extract };
  }
  const atom = parseFhirPath(branch);
  return { kind: 'fhirpath', extract: (resource) => evalFhirPath(atom, resource) };
}

function pathSteps(path: string | undefined): string[] {
  return (path ?? '').split('.').filter((step) => step.length > 0);
}

/**
 * Follows property names from the resource, flattening arrays at every step as FHIRPath does.
 * A name missing from an object may be a choice element (`effective` → `effectiveDateTime`).
 */
function walk(resource: object, steps: readonly string[], resolveChoices = true): unknown[] {
  let current: unknown[] = [resource];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const item of current) {
      if (typeof item !== 'object' || item === null) continue;
      const record = item as Record<string, unknown>;
      let value = record[step];
      if (value === undefined && resolveChoices) value = choiceValue(record, step);
      if (value === undefined || value === null) continue;
      if (Array.isArray(value)) {
        for (const element of value) if (element !== null && element !== undefined) next.push(element);
      } else next.push(value);
    }
    if (next.length === 0) return next;
    current = next;
  }
  return current;
}

function choiceValue(record: Record<string, unknown>, name: string): unknown {
  for (const key in record) {
    if (
      key.length > name.length &&
      key.startsWith(name) &&
      CHOICE_TYPE_SUFFIXES.has(key.slice(name.length))
    ) {
      return record[key];
    }
  }
  return undefined;
}

/**
 * `where(resolve() is Patient)` without a server to resolve against: a literal reference says its
 * type; a reference by identifier alone (EPS: `Task.for = {identifier: nhs-number}`) is kept
 * unless its `type` says otherwise, so that `patient:identifier=` finds it.
 */
function referenceMayBe(value: unknown, type: string): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const reference = value as { reference?: unknown; type?: unknown; identifier?: unknown };
  if (typeof reference.reference === 'string') {
    const literal = parseReferenceLiteral(reference.reference);
    if (literal?.type) return literal.type === type;
  }
  if (typeof reference.type === 'string') return reference.type === type;
  return reference.identifier !== undefined || typeof reference.reference === 'string';
}

function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const CHOICE_TYPE_SUFFIXES = new Set(
  [
    'base64Binary',
    'boolean',
    'canonical',
    'code',
    'date',
    'dateTime',
    'decimal',
    'id',
    'instant',
    'integer',
    'markdown',
    'oid',
    'positiveInt',
    'string',
    'time',
    'unsignedInt',
    'uri',
    'url',
    'uuid',
    'Address',
    'Age',
    'Annotation',
    'Attachment',
    'CodeableConcept',
    'Coding',
    'ContactPoint',
    'Count',
    'Distance',
    'Duration',
    'HumanName',
    'Identifier',
    'Money',
    'Period',
    'Quantity',
    'Range',
    'Ratio',
    'Reference',
    'SampledData',
    'Signature',
    'Timing',
    'ContactDetail',
    'Dosage',
    'Expression',
    'Meta',
    'UsageContext',
  ].map(upperFirst),
);
