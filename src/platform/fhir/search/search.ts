/**
 * search-type: parse, run the page query (and the count query when needed), follow includes, and
 * answer a searchset Bundle.
 *
 * `total` policy: with `_total=accurate` (or `_summary=count` / `_count=0`) a COUNT query always
 * runs. Otherwise (`_total` absent or `estimate`) `total` is given when it costs nothing — the
 * page reached the end of the matches, so total = offset + matches on this page — and left out
 * when more pages follow. `_total=none` never gives it.
 *
 * With `patientCompartment` (a patient-bound caller) every query — page, count and includes — is
 * narrowed to the caller's compartment in SQL, so what the caller learns (entries, `total`, `next`)
 * is the same whether or not other patients' records match.
 */
import type { Bundle, BundleEntry, BundleLink, Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../../database/database.js';
import type { PatientCompartment } from './compartment-filter.js';
import { loadIncludes, loadRevIncludes, type StoredRow } from './includes.js';
import { parseSearchQuery } from './parse-query.js';
import type { SearchRequest } from './search-request.js';
import { buildCountQuery, buildPageQuery, type Restriction, type SearchScope } from './sql-query.js';

export interface SearchOptions {
  /** The FHIR base, e.g. http://localhost:3000/fhir/R4 (no trailing slash needed). */
  baseUrl: string;
  /**
   * A predicate over `r` every match must also satisfy (the caller's access, e.g. a staff
   * caller's relationships), part of the query so that totals and paging count only what the
   * caller may see.
   */
  restriction?: Restriction;
  /** Only records of this patient compartment (patient-bound callers). */
  patientCompartment?: PatientCompartment;
}

export async function search(
  db: Queryable,
  resourceType: string,
  query: URLSearchParams,
  options: SearchOptions,
): Promise<Bundle> {
  return runSearch(db, parseSearchQuery(resourceType, query), query, options);
}

/** A search already parsed (by parseSearchQuery from `query`), for callers that judge it first. */
export async function runSearch(
  db: Queryable,
  request: SearchRequest,
  query: URLSearchParams,
  options: SearchOptions,
): Promise<Bundle> {
  const { resourceType } = request;
  const compartment = options.patientCompartment;
  const scope: SearchScope = { compartment, restriction: options.restriction };
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const self: BundleLink = { relation: 'self', url: pageUrl(baseUrl, resourceType, query) };

  if (request.countOnly) {
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      total: await countMatches(db, request, scope),
      link: [self],
    };
  }

  const page = buildPageQuery(request, scope);
  const result = await db.query<{ id: string; content: string }>(page.sql, page.params);
  const hasMore = result.rows.length > request.count;
  const matches = hasMore ? result.rows.slice(0, request.count) : result.rows;

  const links: BundleLink[] = [self];
  if (hasMore) {
    const next = new URLSearchParams(query);
    next.set('_count', String(request.count));
    next.set('_offset', String(request.offset + request.count));
    links.push({ relation: 'next', url: pageUrl(baseUrl, resourceType, next) });
  }

  const entries: BundleEntry[] = matches.map((row) =>
    entry(baseUrl, resourceType, row.id, row.content, 'match'),
  );
  entries.push(...(await includedEntries(db, request, matches, baseUrl, compartment)));

  const total = await totalFor(db, request, matches.length, hasMore, scope);
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(total === undefined ? {} : { total }),
    link: links,
    entry: entries,
  };
}

async function totalFor(
  db: Queryable,
  request: SearchRequest,
  pageSize: number,
  hasMore: boolean,
  scope: SearchScope,
): Promise<number | undefined> {
  if (request.total === 'none') return undefined;
  // Past the end (offset beyond the last match) the page is empty and tells nothing about the total.
  const knownFromPage = !hasMore && (pageSize > 0 || request.offset === 0);
  if (knownFromPage) return request.offset + pageSize;
  return request.total === 'accurate' ? countMatches(db, request, scope) : undefined;
}

async function countMatches(db: Queryable, request: SearchRequest, scope: SearchScope): Promise<number> {
  const count = buildCountQuery(request, scope);
  const result = await db.query<{ total: number }>(count.sql, count.params);
  return Number(result.rows[0]?.total ?? 0);
}

/** Included resources once each, and never one that is already a match on this page. */
async function includedEntries(
  db: Queryable,
  request: SearchRequest,
  matches: { id: string }[],
  baseUrl: string,
  compartment: PatientCompartment | undefined,
): Promise<BundleEntry[]> {
  if (matches.length === 0 || (request.includes.length === 0 && request.revIncludes.length === 0)) return [];
  const ids = matches.map((row) => row.id);
  const seen = new Set(ids.map((id) => `${request.resourceType}/${id}`));
  const rows: StoredRow[] = [];
  for (const spec of request.includes)
    rows.push(...(await loadIncludes(db, request.resourceType, ids, spec, compartment)));
  for (const spec of request.revIncludes)
    rows.push(...(await loadRevIncludes(db, request.resourceType, ids, spec, compartment)));
  const entries: BundleEntry[] = [];
  for (const row of rows) {
    const key = `${row.resource_type}/${row.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    entries.push(entry(baseUrl, row.resource_type, row.id, row.content, 'include'));
  }
  return entries;
}

function entry(
  baseUrl: string,
  type: string,
  id: string,
  content: string,
  mode: 'match' | 'include',
): BundleEntry {
  return { fullUrl: `${baseUrl}/${type}/${id}`, resource: JSON.parse(content) as Resource, search: { mode } };
}

function pageUrl(baseUrl: string, resourceType: string, query: URLSearchParams): string {
  const text = query.toString();
  return `${baseUrl}/${resourceType}${text ? `?${text}` : ''}`;
}
