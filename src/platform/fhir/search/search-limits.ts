/**
 * How much one search may ask for, and how its control parameters may be given (pure).
 *
 * Limits: every condition is one EXISTS over an index table and every ORed value one more index
 * probe, so an unbounded query string (`name=a0&…&name=a299`) is an unbounded query plan. The
 * limits are far above what any client of this service sends, and each one is a 400 naming it.
 *
 * Control parameters (`_count`, `_offset`, `_sort`, `_summary`, `_total`, `_format`, …) say how to
 * answer, once: given twice they conflict (`_count=5&_count=0`: a page or a count?), and reading
 * only one of them is how a count slipped past a guard that read the other. So a repeat is a 400.
 */
import { invalid } from '../../errors/problem.js';
import type { SearchRequest } from './search-request.js';

export const SEARCH_LIMITS = {
  /** Occurrences of one search parameter (by name, whatever its modifiers), each ANDed. */
  repeatsPerParameter: 10,
  /** Search parameter occurrences (ANDed conditions) in one search. */
  conditions: 20,
  /** Values ORed together (`code=a,b,c` is 3), added up over the whole search. */
  orValues: 100,
  /** `_sort` keys. */
  sortKeys: 5,
  /** `_include` and `_revinclude` specifications together (each is one more query). */
  includes: 10,
} as const;

/** Given at most once per search. `_include` and `_revinclude` may repeat (within `includes`). */
export const SINGLE_CONTROL_PARAMS: ReadonlySet<string> = new Set([
  '_count',
  '_offset',
  '_sort',
  '_summary',
  '_total',
  '_elements',
  '_format',
  '_pretty',
  '_contained',
  '_containedType',
]);

/** Before any value is parsed: repeated control parameters and parameters repeated too often. */
export function checkRepeats(query: URLSearchParams): void {
  const seen = new Map<string, number>();
  for (const key of query.keys()) {
    const name = key.split(':')[0] ?? key;
    const times = (seen.get(name) ?? 0) + 1;
    seen.set(name, times);
    if (times === 2 && SINGLE_CONTROL_PARAMS.has(name)) {
      throw invalid(`${name} is given more than once: give each control parameter once`, name);
    }
    if (times > SEARCH_LIMITS.repeatsPerParameter) {
      throw invalid(
        `${name} is given more than ${SEARCH_LIMITS.repeatsPerParameter} times: at most ` +
          `${SEARCH_LIMITS.repeatsPerParameter} repetitions of one search parameter per search`,
        name,
      );
    }
  }
}

/** After parsing: the size of the whole search, and control parameters that contradict each other. */
export function checkSearchSize(request: SearchRequest): void {
  const conditions = request.filters.length;
  if (conditions > SEARCH_LIMITS.conditions) {
    throw invalid(
      `The search has ${conditions} conditions: at most ${SEARCH_LIMITS.conditions} search parameters per search`,
    );
  }
  const values = request.filters.reduce((sum, filter) => sum + valueCount(filter), 0);
  if (values > SEARCH_LIMITS.orValues) {
    throw invalid(
      `The search has ${values} values: at most ${SEARCH_LIMITS.orValues} values (ORed with commas) per search`,
    );
  }
  if (request.sort.length > SEARCH_LIMITS.sortKeys) {
    throw invalid(`_sort has ${request.sort.length} keys: at most ${SEARCH_LIMITS.sortKeys}`, '_sort');
  }
  const includes = request.includes.length + request.revIncludes.length;
  if (includes > SEARCH_LIMITS.includes) {
    throw invalid(
      `The search has ${includes} _include and _revinclude values: at most ${SEARCH_LIMITS.includes} together`,
      request.includes.length > 0 ? '_include' : '_revinclude',
    );
  }
  if (request.countOnly && request.total === 'none') {
    throw invalid(
      '_total=none contradicts a count (_summary=count or _count=0): ask for one or the other',
      '_total',
    );
  }
}

function valueCount(filter: SearchRequest['filters'][number]): number {
  switch (filter.kind) {
    case 'id':
      return filter.ids.length;
    case 'uri':
    case 'string':
      return filter.values.length;
    case 'missing':
      return 1;
    default:
      return filter.conditions.length;
  }
}
