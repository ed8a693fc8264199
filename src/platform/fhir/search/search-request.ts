/**
 * A search request after parsing and validation: what to match (filters, ANDed; the values of
 * one filter ORed) and how to shape the result. Everything the SQL builder needs, nothing raw.
 */
import type { DateRange } from './date-range.js';

export type DatePrefix = 'eq' | 'ne' | 'lt' | 'gt' | 'le' | 'ge' | 'sa' | 'eb' | 'ap';

export interface DateCondition {
  prefix: DatePrefix;
  range: DateRange;
}

/** `system|code`, `code`, `system|`, `|code`: undefined = any, null = must have none. */
export interface TokenCondition {
  system: string | null | undefined;
  code: string | undefined;
}

export type ReferenceCondition =
  | { kind: 'literal'; type: string | undefined; id: string }
  | { kind: 'identifier'; system: string | null | undefined; value: string | undefined };

export type StringMatch = 'starts-with' | 'exact' | 'contains';

export type Filter =
  | { kind: 'id'; not: boolean; ids: string[] }
  | { kind: 'lastUpdated'; conditions: DateCondition[] }
  | { kind: 'token'; param: string; not: boolean; conditions: TokenCondition[] }
  | { kind: 'uri'; param: string; values: string[] }
  | { kind: 'reference'; param: string; conditions: ReferenceCondition[] }
  | { kind: 'date'; param: string; conditions: DateCondition[] }
  | { kind: 'string'; param: string; match: StringMatch; values: string[] }
  | { kind: 'missing'; param: string; table: IndexTable; missing: boolean };

export type IndexTable = 'search_token' | 'search_reference' | 'search_date' | 'search_string';

export interface SortKey {
  /** `_id`, `_lastUpdated` or an indexed parameter code. */
  param: string;
  descending: boolean;
}

/** `_include=Source:param[:Target]` and `_revinclude=Source:param[:Target]`. */
export interface IncludeSpec {
  sourceType: string;
  param: string;
  targetType: string | undefined;
}

export type TotalMode = 'none' | 'cheap' | 'accurate';

export interface SearchRequest {
  resourceType: string;
  filters: Filter[];
  count: number;
  offset: number;
  sort: SortKey[];
  includes: IncludeSpec[];
  revIncludes: IncludeSpec[];
  total: TotalMode;
  /** `_summary=count` or `_count=0`: the total alone, no entries. */
  countOnly: boolean;
}

export const DEFAULT_COUNT = 20;
export const MAX_COUNT = 1000;
