/**
 * Reads the FHIR store tables directly (after the server has exited) to judge what a crash left:
 * every current row must have its history row, every history row its current row, content must
 * be JSON, and the search index must agree with the content.
 */
import type { Database } from '../../src/platform/database/database.js';

export interface StoredPatient {
  id: string;
  versionId: number;
  /** Identifier values of the load's system that the search index holds for this id. */
  indexed: string[];
}

export interface StoreReport {
  /** Current Patients by identifier value of the system, read from their JSON content. */
  byValue: Map<string, StoredPatient[]>;
  /** Identifier values the index holds for ids that have no current row. */
  indexWithoutResource: string[];
  /** `Type/id` of current rows with no history row of the same version and content. */
  currentWithoutHistory: string[];
  /** `Type/id/version` of history rows beyond (or without) the current row. */
  historyWithoutCurrent: string[];
  /** `Patient/id` of current rows whose content is not a Patient JSON with that id. */
  malformed: string[];
}

interface PatientRow {
  id: string;
  version_id: number | string;
  content: string;
}

/** The identifier values of `system` in a stored Patient; undefined when it is not that Patient's JSON. */
function valuesIn(content: string, id: string, system: string): string[] | undefined {
  try {
    const parsed = JSON.parse(content) as {
      resourceType?: string;
      id?: string;
      identifier?: { system?: string; value?: string }[];
    };
    if (parsed.resourceType !== 'Patient' || parsed.id !== id) return undefined;
    return (parsed.identifier ?? []).filter((i) => i.system === system && i.value).map((i) => i.value!);
  } catch {
    return undefined;
  }
}

export async function inspectStore(db: Database, system: string): Promise<StoreReport> {
  const currentWithoutHistory = await db.query<{ ref: string }>(
    `SELECT r.resource_type || '/' || r.id AS ref FROM fhir_resource r
     LEFT JOIN fhir_resource_history h
       ON h.resource_type = r.resource_type AND h.id = r.id AND h.version_id = r.version_id
     WHERE h.id IS NULL OR h.content <> r.content OR h.deleted <> r.deleted`,
  );
  const historyWithoutCurrent = await db.query<{ ref: string }>(
    `SELECT h.resource_type || '/' || h.id || '/' || h.version_id AS ref FROM fhir_resource_history h
     LEFT JOIN fhir_resource r ON r.resource_type = h.resource_type AND r.id = h.id
     WHERE r.id IS NULL OR h.version_id > r.version_id`,
  );
  const patients = await db.query<PatientRow>(
    `SELECT id, version_id, content FROM fhir_resource WHERE resource_type = 'Patient' AND NOT deleted`,
  );
  const index = await db.query<{ id: string; value: string }>(
    `SELECT id, value FROM search_token WHERE resource_type = 'Patient' AND param = 'identifier' AND system = $1`,
    [system],
  );
  const indexedById = new Map<string, string[]>();
  for (const row of index.rows) indexedById.set(row.id, [...(indexedById.get(row.id) ?? []), row.value]);

  const byValue = new Map<string, StoredPatient[]>();
  const malformed: string[] = [];
  for (const row of patients.rows) {
    const values = valuesIn(row.content, row.id, system);
    if (values === undefined) malformed.push(`Patient/${row.id}`);
    const stored = { id: row.id, versionId: Number(row.version_id), indexed: indexedById.get(row.id) ?? [] };
    for (const value of values ?? []) byValue.set(value, [...(byValue.get(value) ?? []), stored]);
  }
  const currentIds = new Set(patients.rows.map((row) => row.id));
  return {
    byValue,
    indexWithoutResource: index.rows.filter((row) => !currentIds.has(row.id)).map((row) => row.value),
    currentWithoutHistory: currentWithoutHistory.rows.map((row) => row.ref),
    historyWithoutCurrent: historyWithoutCurrent.rows.map((row) => row.ref),
    malformed,
  };
}
