/** What prescribing has stored, for "a rejection stores nothing" assertions. */
import type { Database } from '../../../src/platform/database/database.js';

export interface StoredCounts {
  prescriptions: number;
  messages: number;
  events: number;
  medicationRequests: number;
  patients: number;
}

export async function storedCounts(db: Database): Promise<StoredCounts> {
  const result = await db.query<Record<keyof StoredCounts, number>>(
    `SELECT (SELECT count(*)::int FROM prescription) AS prescriptions,
            (SELECT count(*)::int FROM prescription_message) AS messages,
            (SELECT count(*)::int FROM outbox_event WHERE type LIKE 'prescription-%') AS events,
            (SELECT count(*)::int FROM fhir_resource_history WHERE resource_type = 'MedicationRequest') AS "medicationRequests",
            (SELECT count(*)::int FROM fhir_resource WHERE resource_type = 'Patient') AS patients`,
  );
  return result.rows[0]!;
}
