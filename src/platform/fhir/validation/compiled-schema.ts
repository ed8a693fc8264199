/**
 * Per-type validation plans, compiled once from @medplum/core's parsed R4 StructureDefinitions.
 *
 * Medplum's own validator re-derives everything on every call (it builds `value` + type-name
 * strings for each choice element of each object, e.g. ~50 for every Extension) and takes 1–2 ms
 * for an EPS MedicationRequest. Here each type becomes a lookup table from JSON key to what that
 * key must hold, so validating is one walk over the resource with map lookups.
 */
import {
  type InternalSchemaElement,
  type InternalTypeSchema,
  isResourceType,
  tryGetDataType,
} from '@medplum/core';
import { ensureStructureDefinitions, expandValueSet } from './definitions.js';
import { compileInvariants, type Invariant } from './invariants.js';
import { isPrimitiveTypeCode } from './primitives.js';
import type { AllowedCodes } from './value-sets.js';

export type ValueKind = 'primitive' | 'complex' | 'resource';

/** What one JSON key of an object may hold. Choice elements get one property per type. */
export interface CompiledProperty {
  /** The element's name as FHIRPath uses it: `deceased` for `deceased[x]`. */
  elementName: string;
  typeCode: string;
  kind: ValueKind;
  isArray: boolean;
  min: number;
  max: number;
  /** For choice elements, so that two keys of one choice are caught. */
  choiceOf?: string;
  /** The codes a required binding allows, when its ValueSet could be expanded locally. */
  requiredCodes?: AllowedCodes;
  /** Element-level constraints not already among the value type's own. */
  invariants: readonly Invariant[];
}

export interface RequiredElement {
  elementName: string;
  /** Any of these keys satisfies the element; they include the `_` primitive-extension twins. */
  jsonKeys: readonly string[];
}

export interface CompiledType {
  name: string;
  isResource: boolean;
  properties: ReadonlyMap<string, CompiledProperty>;
  requiredElements: readonly RequiredElement[];
  invariants: readonly Invariant[];
}

/** Types whose required bindings apply to codes (rather than strings or URIs). */
const CODED_TYPES = new Set(['code', 'Coding', 'CodeableConcept']);

const compiledTypes = new Map<string, CompiledType | null>();
const skippedBindings = new Map<string, SkippedBinding>();

export interface SkippedBinding {
  valueSetUrl: string;
  reason: string;
  elements: string[];
}

/** The compiled plan for a type name (resource, data type or backbone type), or undefined. */
export function compiledType(typeName: string): CompiledType | undefined {
  const cached = compiledTypes.get(typeName);
  if (cached !== undefined) return cached ?? undefined;
  ensureStructureDefinitions();
  const schema = tryGetDataType(typeName);
  const compiled = schema ? compileType(schema) : null;
  compiledTypes.set(typeName, compiled);
  return compiled ?? undefined;
}

/** A concrete resource type name known to R4 (not Resource or DomainResource). */
export function isKnownResourceType(typeName: string): boolean {
  ensureStructureDefinitions();
  return isResourceType(typeName);
}

/** The required bindings met so far whose ValueSets could not be expanded, for reports. */
export function skippedRequiredBindings(): SkippedBinding[] {
  return [...skippedBindings.values()];
}

function compileType(schema: InternalTypeSchema): CompiledType {
  const isResource = schema.kind === 'resource';
  const properties = new Map<string, CompiledProperty>();
  const requiredElements: RequiredElement[] = [];
  for (const [name, element] of Object.entries(schema.elements)) {
    const isChoice = name.endsWith('[x]');
    const elementName = isChoice ? name.slice(0, -3) : name;
    const jsonKeys: string[] = [];
    for (const type of element.type) {
      // Medplum declares Resource.id as a plain string; R4 says it is an `id`.
      const typeCode = isResource && name === 'id' ? 'id' : type.code;
      const jsonKey = isChoice ? elementName + capitalise(typeCode) : elementName;
      const property = compileProperty(element, elementName, typeCode, isChoice ? name : undefined);
      properties.set(jsonKey, property);
      // A primitive may be present only as its extension (`_status`), e.g. with a data-absent-reason.
      jsonKeys.push(jsonKey, ...(property.kind === 'primitive' ? [`_${jsonKey}`] : []));
    }
    if (element.min > 0) requiredElements.push({ elementName, jsonKeys });
  }
  return {
    name: schema.name,
    isResource,
    properties,
    requiredElements,
    invariants: compileInvariants(schema.constraints),
  };
}

function compileProperty(
  element: InternalSchemaElement,
  elementName: string,
  typeCode: string,
  choiceOf: string | undefined,
): CompiledProperty {
  const kind: ValueKind = isPrimitiveTypeCode(typeCode)
    ? 'primitive'
    : typeCode === 'Resource'
      ? 'resource'
      : 'complex';
  const ownConstraintKeys = new Set((tryGetDataType(typeCode)?.constraints ?? []).map((c) => c.key));
  const elementConstraints = (element.constraints ?? []).filter((c) => !ownConstraintKeys.has(c.key));
  const requiredCodes = requiredBindingCodes(element, typeCode);
  return {
    elementName,
    typeCode,
    kind,
    isArray: element.isArray === true,
    min: element.min,
    max: element.max,
    ...(choiceOf ? { choiceOf } : {}),
    ...(requiredCodes ? { requiredCodes } : {}),
    invariants: compileInvariants(elementConstraints),
  };
}

function requiredBindingCodes(element: InternalSchemaElement, typeCode: string): AllowedCodes | undefined {
  const binding = element.binding;
  if (binding?.strength !== 'required' || !binding.valueSet || !CODED_TYPES.has(typeCode)) return undefined;
  const expansion = expandValueSet(binding.valueSet);
  if (expansion.expandable) return expansion.allowed;
  const skipped = skippedBindings.get(expansion.valueSetUrl) ?? {
    valueSetUrl: expansion.valueSetUrl,
    reason: expansion.reason,
    elements: [],
  };
  if (!skipped.elements.includes(element.path)) skipped.elements.push(element.path);
  skippedBindings.set(expansion.valueSetUrl, skipped);
  return undefined;
}

function capitalise(typeCode: string): string {
  return typeCode.charAt(0).toUpperCase() + typeCode.slice(1);
}
