/**
 * URL query → SearchRequest. Validates every parameter against what the type really supports:
 * an unknown parameter, modifier or value is a Problem INVALID_VALUE naming it, never ignored
 * (a typo silently widening a search is the worse failure in a clinical system).
 */
import { invalid } from '../../errors/problem.js';
import { isStoredResourceType } from '../resource-types.js';
import { indexedParams, type ParamDefinition } from './definitions.js';
import { parseIncludes, parseSort } from './parse-result-params.js';
import {
  parseBoolean,
  parseDateValues,
  parseNonNegativeInteger,
  parsePlainValues,
  parseReferenceIdentifierValues,
  parseReferenceValues,
  parseTokenValues,
} from './parse-values.js';
import { checkRepeats, checkSearchSize } from './search-limits.js';
import {
  DEFAULT_COUNT,
  type Filter,
  type IncludeSpec,
  type IndexTable,
  MAX_COUNT,
  type SearchRequest,
  type SortKey,
  type TotalMode,
} from './search-request.js';

/** Formatting parameters the HTTP layer deals with. */
const IGNORED = new Set(['_format', '_pretty']);

const TABLE_OF_TYPE: Record<ParamDefinition['type'], IndexTable> = {
  token: 'search_token',
  uri: 'search_token',
  reference: 'search_reference',
  date: 'search_date',
  string: 'search_string',
};

export function parseSearchQuery(resourceType: string, query: URLSearchParams): SearchRequest {
  if (!isStoredResourceType(resourceType)) throw invalid(`Resource type ${resourceType} is not supported`);
  checkRepeats(query);
  const params = indexedParams(resourceType);
  const request: SearchRequest = {
    resourceType,
    filters: [],
    count: DEFAULT_COUNT,
    offset: 0,
    sort: [],
    includes: [],
    revIncludes: [],
    total: 'cheap',
    countOnly: false,
  };
  const sorts: SortKey[] = [];
  const includes: IncludeSpec[] = [];
  const revIncludes: IncludeSpec[] = [];
  for (const [key, raw] of query) {
    if (IGNORED.has(key)) continue;
    // PostgreSQL text cannot hold NUL; refuse it here rather than fail in the driver.
    if (key.includes('\u0000') || raw.includes('\u0000'))
      throw invalid(`Search parameter ${key} contains a NUL`, key);
    switch (key) {
      case '_count':
        request.count = parseNonNegativeInteger(raw, key, MAX_COUNT);
        continue;
      case '_offset':
        request.offset = parseNonNegativeInteger(raw, key, 1_000_000_000);
        continue;
      case '_sort':
        sorts.push(...parseSort(raw, params));
        continue;
      case '_include':
        includes.push(...parseIncludes(raw, key, resourceType, 'include'));
        continue;
      case '_revinclude':
        revIncludes.push(...parseIncludes(raw, key, resourceType, 'revinclude'));
        continue;
      case '_total':
        request.total = parseTotal(raw);
        continue;
      case '_summary':
        if (raw === 'count') request.countOnly = true;
        else if (raw !== 'false')
          throw invalid(`_summary=${raw} is not supported (only count and false)`, key);
        continue;
    }
    request.filters.push(parseFilter(key, raw, params));
  }
  request.sort = sorts;
  request.includes = includes;
  request.revIncludes = revIncludes;
  if (request.count === 0) request.countOnly = true;
  checkSearchSize(request);
  return request;
}

function parseTotal(raw: string): TotalMode {
  if (raw === 'none') return 'none';
  if (raw === 'accurate') return 'accurate';
  // An estimate is whatever is cheap: exact when the last page is reached, otherwise absent.
  if (raw === 'estimate') return 'cheap';
  throw invalid(`_total must be none, estimate or accurate`, '_total');
}

function parseFilter(key: string, raw: string, params: ReadonlyMap<string, ParamDefinition>): Filter {
  const colon = key.indexOf(':');
  const name = colon < 0 ? key : key.slice(0, colon);
  const modifier = colon < 0 ? undefined : key.slice(colon + 1);
  if (name.includes('.')) throw invalid(`Chained search (${key}) is not supported`, key);

  if (name === '_id') {
    if (modifier !== undefined && modifier !== 'not') throw unsupportedModifier(key);
    return { kind: 'id', not: modifier === 'not', ids: parsePlainValues(raw, key) };
  }
  if (name === '_lastUpdated') {
    if (modifier !== undefined) throw unsupportedModifier(key);
    return { kind: 'lastUpdated', conditions: parseDateValues(raw, key) };
  }

  const param = params.get(name);
  if (!param) {
    if (name.startsWith('_')) throw invalid(`Search parameter '${key}' is not supported`, key);
    throw invalid(`Unknown search parameter '${name}'`, key);
  }
  if (modifier === 'missing') {
    return {
      kind: 'missing',
      param: name,
      table: TABLE_OF_TYPE[param.type],
      missing: parseBoolean(raw, key),
    };
  }
  switch (param.type) {
    case 'token':
      if (modifier !== undefined && modifier !== 'not') throw unsupportedModifier(key);
      return { kind: 'token', param: name, not: modifier === 'not', conditions: parseTokenValues(raw, key) };
    case 'uri':
      if (modifier !== undefined) throw unsupportedModifier(key);
      return { kind: 'uri', param: name, values: parsePlainValues(raw, key) };
    case 'date':
      if (modifier !== undefined) throw unsupportedModifier(key);
      return { kind: 'date', param: name, conditions: parseDateValues(raw, key) };
    case 'string':
      if (modifier !== undefined && modifier !== 'exact' && modifier !== 'contains')
        throw unsupportedModifier(key);
      return {
        kind: 'string',
        param: name,
        match: modifier === 'exact' ? 'exact' : modifier === 'contains' ? 'contains' : 'starts-with',
        values: parsePlainValues(raw, key),
      };
    case 'reference':
      if (modifier === 'identifier') {
        return { kind: 'reference', param: name, conditions: parseReferenceIdentifierValues(raw, key) };
      }
      if (modifier !== undefined && !isReferenceTypeModifier(modifier, param)) throw unsupportedModifier(key);
      return { kind: 'reference', param: name, conditions: parseReferenceValues(raw, key, modifier) };
  }
}

/** `subject:Patient=123`: the modifier must be a type the parameter may point to. */
function isReferenceTypeModifier(modifier: string, param: ParamDefinition): boolean {
  return /^[A-Z][A-Za-z]+$/.test(modifier) && param.targets.includes(modifier);
}

function unsupportedModifier(key: string) {
  return invalid(`Search modifier in '${key}' is not supported`, key);
}
