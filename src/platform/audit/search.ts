/** AuditEvent search (`GET /fhir/R4/AuditEvent?patient=…`): newest first, paged by a position cursor. */
import type { AuditEvent, Bundle, BundleLink } from '@medplum/fhirtypes';
import type { Queryable } from '../database/database.js';
import { readNewest } from './store.js';

export const AUDIT_SEARCH_DEFAULT_COUNT = 50;
export const AUDIT_SEARCH_MAX_COUNT = 1000;

export interface AuditSearch {
  /** `Patient/<id>`. */
  patient?: string;
  count?: number;
  /** Only records older than this position (the cursor of the `next` link). */
  before?: number;
}

export async function searchAuditEvents(
  db: Queryable,
  search: AuditSearch,
  options: { baseUrl?: string } = {},
): Promise<Bundle<AuditEvent>> {
  const baseUrl = options.baseUrl ?? '/fhir/R4';
  const count = Math.min(search.count ?? AUDIT_SEARCH_DEFAULT_COUNT, AUDIT_SEARCH_MAX_COUNT);
  // One row more than asked tells whether a next page exists without counting.
  const rows = await readNewest(db, {
    ...(search.patient !== undefined ? { patient: search.patient } : {}),
    ...(search.before !== undefined ? { before: search.before } : {}),
    limit: count + 1,
  });
  const page = rows.slice(0, count);
  const link: BundleLink[] = [{ relation: 'self', url: searchUrl(baseUrl, search, count) }];
  const last = page.at(-1);
  if (rows.length > count && last) {
    link.push({ relation: 'next', url: searchUrl(baseUrl, { ...search, before: last.position }, count) });
  }
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    link,
    entry: page.map((row) => {
      const resource = JSON.parse(row.content) as AuditEvent;
      return { fullUrl: `${baseUrl}/AuditEvent/${resource.id}`, resource, search: { mode: 'match' } };
    }),
  };
}

function searchUrl(baseUrl: string, search: AuditSearch, count: number): string {
  const params = new URLSearchParams();
  if (search.patient !== undefined) params.set('patient', search.patient);
  params.set('_count', String(count));
  if (search.before !== undefined) params.set('_before', String(search.before));
  return `${baseUrl}/AuditEvent?${params.toString()}`;
}
