/**
 * Helpers for this module's database tests: store resources the way the FHIR store does (row in
 * fhir_resource + writeSearchIndex in one transaction) without depending on the store itself.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { Database } from '../../../src/platform/database/database.js';
import { deleteSearchIndex, writeSearchIndex } from '../../../src/platform/fhir/search/write-index.js';

export const BASE_URL = 'http://localhost:3000/fhir/R4';

/** Stores (or replaces) each resource as version 1; `lastUpdated` defaults to now. */
export async function storeResources(
  db: Database,
  resources: Resource[],
  lastUpdated?: string,
): Promise<void> {
  await db.transaction(async (tx) => {
    for (const resource of resources) {
      const when = lastUpdated ?? resource.meta?.lastUpdated ?? new Date().toISOString();
      await tx.query(
        `INSERT INTO fhir_resource (resource_type, id, version_id, last_updated, deleted, content)
         VALUES ($1, $2, 1, $3, false, $4)
         ON CONFLICT (resource_type, id) DO UPDATE
           SET last_updated = EXCLUDED.last_updated, deleted = false, content = EXCLUDED.content`,
        [resource.resourceType, resource.id, when, JSON.stringify(resource)],
      );
      await writeSearchIndex(tx, resource);
    }
  });
}

/** Turns the resource into a tombstone, as a FHIR delete does. */
export async function tombstone(db: Database, resourceType: string, id: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(`UPDATE fhir_resource SET deleted = true WHERE resource_type = $1 AND id = $2`, [
      resourceType,
      id,
    ]);
    await deleteSearchIndex(tx, resourceType, id);
  });
}

/** The ids of the bundle's entries in the given search mode, in bundle order. */
export function entryIds(bundle: Bundle, mode: 'match' | 'include' = 'match'): string[] {
  return (bundle.entry ?? [])
    .filter((entry) => entry.search?.mode === mode)
    .map((entry) => `${entry.resource?.id}`);
}

/** Sorted ids of the matches, for assertions that do not care about order. */
export function sortedIds(bundle: Bundle): string[] {
  return entryIds(bundle).sort();
}
