/**
 * One pass over a resource against its compiled R4 plan: element names, JSON types, primitive
 * formats, cardinality, choice elements, required bindings and invariants, including resources
 * nested in `contained`, Bundle entries and Parameters.
 */
import type { ProblemIssue } from '../../errors/problem.js';
import { requiredBindingProblem } from './bindings.js';
import {
  type CompiledProperty,
  type CompiledType,
  compiledType,
  isKnownResourceType,
} from './compiled-schema.js';
import type { Invariant } from './invariants.js';
import { IssueCollector } from './issues.js';
import { lengthProblems } from './length-limits.js';
import { describeJsonType, isRecord, primitiveValueProblem } from './primitives.js';

/** Far deeper than any real resource; stops a hostile body from exhausting the stack. */
const MAX_DEPTH = 128;

interface Walk {
  collector: IssueCollector;
  /** The resource being walked (`%resource`). */
  resource: Record<string, unknown>;
  /** The resource local references resolve against: a contained resource's container. */
  rootResource: Record<string, unknown>;
}

/** All problems with a resource whose `resourceType` names a known R4 resource type. */
export function resourceProblems(resource: Record<string, unknown>, type: CompiledType): ProblemIssue[] {
  const walk: Walk = { collector: new IssueCollector(type.name), resource, rootResource: resource };
  walkObject(resource, type, walk);
  return walk.collector.issues();
}

function walkObject(object: Record<string, unknown>, type: CompiledType, walk: Walk): void {
  const { collector } = walk;
  if (collector.path.length > MAX_DEPTH) {
    collector.add('INVALID_VALUE', 'is nested too deeply');
    return;
  }
  const issuesBefore = collector.count;
  let hasContent = false;
  let choiceKeys: Map<string, string> | undefined;
  for (const key of Object.keys(object)) {
    if (type.isResource && key === 'resourceType') continue;
    if (key !== 'id') hasContent = true;
    const value = object[key];
    if (key.startsWith('_')) {
      walkPrimitiveExtension(key, value, type, walk);
      continue;
    }
    const property = type.properties.get(key);
    if (!property) {
      collector.add('INVALID_VALUE', `unknown element '${key}'`, key);
      continue;
    }
    if (property.choiceOf) {
      choiceKeys ??= new Map();
      const other = choiceKeys.get(property.choiceOf);
      if (other) collector.add('INVALID_VALUE', `only one of '${other}' and '${key}' may be given`, key);
      choiceKeys.set(property.choiceOf, key);
    }
    walkProperty(object, key, value, property, walk);
  }
  for (const [element, max] of lengthProblems(type.name, object)) {
    collector.add('INVALID_VALUE', `is longer than ${max} characters`, element);
  }
  if (!type.isResource && !hasContent) {
    collector.add('INVALID_VALUE', 'must have a value or child elements (ele-1)');
    return;
  }
  for (const required of type.requiredElements) {
    if (!required.jsonKeys.some((key) => object[key] !== undefined)) {
      collector.add('MISSING_VALUE', 'required element is missing', required.elementName);
    }
  }
  // Invariants read the structure; on a malformed object they would only restate its errors.
  if (collector.count === issuesBefore) checkInvariants(type.invariants, object, type.name, walk);
}

function walkProperty(
  parent: Record<string, unknown>,
  key: string,
  value: unknown,
  property: CompiledProperty,
  walk: Walk,
): void {
  const { collector } = walk;
  collector.path.push(key);
  if (value === null) {
    collector.add('INVALID_VALUE', 'must not be null; leave the element out instead');
  } else if (!property.isArray) {
    if (Array.isArray(value)) collector.add('INVALID_VALUE', 'must be a single value, not an array');
    else walkValue(value, property, walk);
  } else if (!Array.isArray(value)) {
    collector.add('INVALID_VALUE', `must be an array, got ${describeJsonType(value)}`);
  } else if (value.length === 0) {
    if (property.min > 0) collector.add('MISSING_VALUE', 'is required, but the array is empty');
    else collector.add('INVALID_VALUE', 'must not be an empty array; leave the element out instead');
  } else {
    if (value.length > property.max) {
      collector.add('INVALID_VALUE', `has ${value.length} values, at most ${property.max} allowed`);
    }
    if (value.length < property.min) {
      collector.add('MISSING_VALUE', `has ${value.length} values, at least ${property.min} required`);
    }
    const extensions = parent[`_${key}`];
    for (let index = 0; index < value.length; index++) {
      collector.path.push(index);
      const item: unknown = value[index];
      // In primitive arrays, null holds the place of a value that has only an extension.
      const placeholder = item === null && property.kind === 'primitive' && hasItem(extensions, index);
      if (item === null || item === undefined) {
        if (!placeholder) collector.add('INVALID_VALUE', 'must not be null');
      } else {
        walkValue(item, property, walk);
      }
      collector.path.pop();
    }
  }
  collector.path.pop();
}

function walkValue(value: unknown, property: CompiledProperty, walk: Walk): void {
  const { collector } = walk;
  if (property.kind === 'primitive') {
    const problem = primitiveValueProblem(property.typeCode, value);
    if (problem) collector.add('INVALID_VALUE', problem);
    else checkRequiredBinding(value, property, walk);
    return;
  }
  if (!isRecord(value)) {
    collector.add(
      'INVALID_VALUE',
      `expected an object (${property.typeCode}), got ${describeJsonType(value)}`,
    );
    return;
  }
  if (property.kind === 'resource') {
    walkNestedResource(value, property.elementName === 'contained', walk);
    return;
  }
  const type = compiledType(property.typeCode);
  if (!type) return; // Every R4 element type is compiled; nothing to check against otherwise.
  const issuesBefore = collector.count;
  walkObject(value, type, walk);
  if (collector.count !== issuesBefore) return;
  checkRequiredBinding(value, property, walk);
  checkInvariants(property.invariants, value, type.name, walk);
}

function walkNestedResource(resource: Record<string, unknown>, contained: boolean, walk: Walk): void {
  const { collector } = walk;
  const resourceType = resource['resourceType'];
  if (typeof resourceType !== 'string') {
    collector.add('MISSING_VALUE', 'a resource must have a resourceType', 'resourceType');
    return;
  }
  const type = isKnownResourceType(resourceType) ? compiledType(resourceType) : undefined;
  if (!type) {
    collector.add('INVALID_VALUE', `'${resourceType}' is not an R4 resource type`, 'resourceType');
    return;
  }
  const outer = { resource: walk.resource, rootResource: walk.rootResource };
  walk.resource = resource;
  // A contained resource's local references resolve against its container; a Bundle entry's
  // or a Parameters resource's against itself.
  if (!contained) walk.rootResource = resource;
  walkObject(resource, type, walk);
  walk.resource = outer.resource;
  walk.rootResource = outer.rootResource;
}

/** `_given`, `_status`: the id and extensions of primitive values, as Element objects. */
function walkPrimitiveExtension(key: string, value: unknown, type: CompiledType, walk: Walk): void {
  const { collector } = walk;
  const primitive = type.properties.get(key.slice(1));
  const element = compiledType('Element');
  if (primitive?.kind !== 'primitive' || !element) {
    collector.add('INVALID_VALUE', `unknown element '${key}'`, key);
    return;
  }
  collector.path.push(key);
  const items = primitive.isArray && Array.isArray(value) ? value : [value];
  if (primitive.isArray !== Array.isArray(value)) {
    collector.add('INVALID_VALUE', primitive.isArray ? 'must be an array' : 'must be a single object');
  } else {
    items.forEach((item: unknown, index) => {
      if (primitive.isArray) collector.path.push(index);
      if (isRecord(item)) walkObject(item, element, walk);
      else if (!(primitive.isArray && item === null)) collector.add('INVALID_VALUE', 'must be an object');
      if (primitive.isArray) collector.path.pop();
    });
  }
  collector.path.pop();
}

function checkRequiredBinding(value: unknown, property: CompiledProperty, walk: Walk): void {
  if (!property.requiredCodes) return;
  const problem = requiredBindingProblem(property.typeCode, value, property.requiredCodes);
  if (problem) walk.collector.add('INVALID_VALUE', problem);
}

function checkInvariants(
  invariants: readonly Invariant[],
  value: Record<string, unknown>,
  typeName: string,
  walk: Walk,
): void {
  for (const invariant of invariants) {
    const scope = { value, typeName, resource: walk.resource, rootResource: walk.rootResource };
    if (!invariant.holds(scope)) {
      walk.collector.add('INVALID_VALUE', `constraint ${invariant.key} not met: ${invariant.description}`);
    }
  }
}

function hasItem(array: unknown, index: number): boolean {
  return Array.isArray(array) && isRecord(array[index]);
}
