/** `_sort`, `_include` and `_revinclude` values → SortKeys and IncludeSpecs, validated. */
import { invalid } from '../../errors/problem.js';
import { isStoredResourceType } from '../resource-types.js';
import { indexedParams, type ParamDefinition } from './definitions.js';
import type { IncludeSpec, SortKey } from './search-request.js';

const SORTABLE_TYPES = new Set<ParamDefinition['type']>(['date', 'string', 'token', 'uri']);

export function parseSort(raw: string, params: ReadonlyMap<string, ParamDefinition>): SortKey[] {
  return raw.split(',').map((item) => {
    const descending = item.startsWith('-');
    const param = descending ? item.slice(1) : item;
    if (param === '_id' || param === '_lastUpdated') return { param, descending };
    const definition = params.get(param);
    if (!definition) throw invalid(`_sort: unknown search parameter '${param}'`, '_sort');
    if (!SORTABLE_TYPES.has(definition.type)) {
      throw invalid(`_sort: cannot sort by ${definition.type} parameter '${param}'`, '_sort');
    }
    return { param, descending };
  });
}

/**
 * `_include=MedicationRequest:requester[:PractitionerRole]`: the source is the searched type.
 * `_revinclude=Task:focus[:MedicationRequest]`: the source is any stored type whose reference
 * parameter may point at the searched type. Wildcards and :iterate are not supported.
 */
export function parseIncludes(
  raw: string,
  key: string,
  searchedType: string,
  direction: 'include' | 'revinclude',
): IncludeSpec[] {
  return raw.split(',').map((value) => {
    const [sourceType, param, targetType, ...rest] = value.split(':');
    if (!sourceType || !param || rest.length > 0) {
      throw invalid(`${key}=${value} must be SourceType:parameter[:TargetType]`, key);
    }
    if (direction === 'include' && sourceType !== searchedType) {
      throw invalid(`${key}=${value}: only ${searchedType} parameters can be included from`, key);
    }
    if (!isStoredResourceType(sourceType)) throw invalid(`${key}=${value}: unknown type ${sourceType}`, key);
    const definition = indexedParams(sourceType).get(param);
    if (definition?.type !== 'reference') {
      throw invalid(`${key}=${value}: ${param} is not a reference parameter of ${sourceType}`, key);
    }
    if (targetType !== undefined && !definition.targets.includes(targetType)) {
      throw invalid(`${key}=${value}: ${sourceType}.${param} never points at ${targetType}`, key);
    }
    if (direction === 'revinclude') {
      if (targetType !== undefined && targetType !== searchedType) {
        throw invalid(`${key}=${value}: the target must be ${searchedType}`, key);
      }
      if (!definition.targets.includes(searchedType)) {
        throw invalid(`${key}=${value}: ${sourceType}.${param} never points at ${searchedType}`, key);
      }
    }
    return { sourceType, param, targetType };
  });
}
