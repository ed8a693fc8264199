/**
 * A Bulk Data kick-off request (HL7 Bulk Data Access IG v2), checked and resolved (pure): which
 * level, which types in which order, since when, which type filters, and whether the output is
 * pseudonymised. Anything it does not understand is a 400 naming the parameter, so an export never
 * silently returns something other than what was asked.
 */
import { forbidden, invalid } from '../../platform/errors/problem.js';
import type { ResourceRules } from '../../platform/fhir/resource-rules.js';
import { RESOURCE_TYPES } from '../../platform/fhir/resource-types.js';
import { parseSearchQuery } from '../../platform/fhir/search/index.js';

export type ExportLevel = 'system' | 'patient' | 'group';

export interface TypeFilter {
  type: string;
  /** The search query, as given after `Type?`. */
  query: string;
}

export interface ExportRequest {
  level: ExportLevel;
  groupId?: string;
  types: string[];
  since?: Date;
  typeFilters: TypeFilter[];
  pseudonymised: boolean;
}

export const NDJSON_FORMATS = ['application/fhir+ndjson', 'application/ndjson', 'ndjson'];

/** The types an export may cover, by level, in the server's order. */
export interface ExportTypes {
  system: readonly string[];
  compartment: readonly string[];
}

/**
 * Patient and Group exports cover the Patient resources and the records in their compartments:
 * the types their capabilities declared as patient data (Patient is the kernel's). Groups
 * themselves are cohort definitions, exported at system level. Read once every capability has
 * declared its types (when the routes are registered).
 */
export function exportTypesOf(rules: Pick<ResourceRules, 'holdsPatientData'>): ExportTypes {
  return {
    system: RESOURCE_TYPES,
    compartment: RESOURCE_TYPES.filter((type) => rules.holdsPatientData(type)),
  };
}

export function exportableTypes(types: ExportTypes, level: ExportLevel): readonly string[] {
  return level === 'system' ? types.system : types.compartment;
}

const KNOWN_PARAMS = new Set(['_outputFormat', '_since', '_type', '_typeFilter', 'pseudonymise']);
/** A type filter narrows which resources are exported; it cannot page, sort or include. */
const RESULT_PARAMS = new Set([
  '_count',
  '_offset',
  '_sort',
  '_include',
  '_revinclude',
  '_summary',
  '_elements',
  '_total',
  '_format',
]);
/** An instant with a time zone (FHIR `instant`): a _since without one would be ambiguous. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

export interface Requester {
  roles: readonly string[];
}

/** Parameters may repeat; list-valued ones are comma-separated as well. */
function listOf(query: URLSearchParams, name: string): string[] {
  return query
    .getAll(name)
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter((value) => value !== '');
}

function single(query: URLSearchParams, name: string): string | undefined {
  const values = query.getAll(name);
  if (values.length > 1) throw invalid(`${name} may be given once`, name);
  return values[0];
}

export function parseExportRequest(
  exportTypes: ExportTypes,
  level: ExportLevel,
  query: URLSearchParams,
  requester: Requester,
  groupId?: string,
): ExportRequest {
  for (const key of query.keys()) {
    if (!KNOWN_PARAMS.has(key))
      throw invalid(`${key} is not a parameter this server supports for $export`, key);
  }
  const format = single(query, '_outputFormat');
  if (format !== undefined && !NDJSON_FORMATS.includes(format)) {
    throw invalid(`_outputFormat ${format} is not supported: use application/fhir+ndjson`, '_outputFormat');
  }
  const allowed = exportableTypes(exportTypes, level);
  const asked = [...new Set(listOf(query, '_type'))];
  for (const type of asked) {
    if (!allowed.includes(type)) {
      throw invalid(`_type ${type} cannot be exported at ${level} level`, '_type');
    }
  }
  const types = asked.length > 0 ? allowed.filter((type) => asked.includes(type)) : [...allowed];
  const since = parseSince(single(query, '_since'));
  const typeFilters = query.getAll('_typeFilter').map((raw) => parseTypeFilter(raw, types));
  return {
    level,
    ...(groupId !== undefined ? { groupId } : {}),
    types,
    ...(since ? { since } : {}),
    typeFilters,
    pseudonymised: pseudonymisedFor(requester, single(query, 'pseudonymise')),
  };
}

function parseSince(raw: string | undefined): Date | undefined {
  if (raw === undefined) return undefined;
  const date = new Date(raw);
  if (!INSTANT.test(raw) || Number.isNaN(date.getTime())) {
    throw invalid('_since must be a FHIR instant with a time zone, e.g. 2026-01-01T00:00:00Z', '_since');
  }
  return date;
}

/** `Type?param=value&…`; the query is checked now with the search parser, so a bad one is a 400 here. */
export function parseTypeFilter(raw: string, types: readonly string[]): TypeFilter {
  const mark = raw.indexOf('?');
  const type = mark > 0 ? raw.slice(0, mark) : '';
  const search = mark > 0 ? raw.slice(mark + 1) : '';
  if (!type || !search)
    throw invalid('_typeFilter must be Type?search, e.g. MedicationRequest?status=active', '_typeFilter');
  if (!types.includes(type))
    throw invalid(`_typeFilter names ${type}, which this export does not include`, '_typeFilter');
  const params = new URLSearchParams(search);
  for (const key of params.keys()) {
    if (RESULT_PARAMS.has(key)) throw invalid(`_typeFilter cannot use ${key}`, '_typeFilter');
  }
  parseSearchQuery(type, params);
  return { type, query: search };
}

/**
 * Analysts always get pseudonymised output: prescribing and dispensing analytics need no
 * identifiable data, so the role never sees any (asking for identifiable output is a 403).
 * Administrators, who correct and export the data, get it as stored unless they ask.
 */
export function pseudonymisedFor(requester: Requester, raw: string | undefined): boolean {
  if (raw !== undefined && raw !== 'true' && raw !== 'false') {
    throw invalid('pseudonymise must be true or false', 'pseudonymise');
  }
  const isAdmin = requester.roles.includes('admin');
  if (!isAdmin) {
    if (raw === 'false') throw forbidden('Analysts export pseudonymised data only');
    return true;
  }
  return raw === 'true';
}
