/**
 * The default demographics service: the Patient records in this service's FHIR store, found by
 * identifier through the search index. When several records carry the identifier (a merge keeps
 * the retired record), the one not replaced by another is the patient's.
 */
import type { Patient } from '@medplum/fhirtypes';
import type { Queryable } from '../../platform/database/database.js';
import { type DemographicsRecord, type DemographicsService, demographicsOf } from './demographics.js';
import type { PatientIdentifier } from './registration-input.js';

const MAX_RECORDS = 10;

export function storeDemographics(db: Queryable, now: () => Date = () => new Date()): DemographicsService {
  return {
    kind: 'local',
    async find(identifier) {
      const records = await patientsWithIdentifier(db, identifier);
      const all = records.map((patient) => demographicsOf(patient, now()));
      return all.find((record) => !record.merged) ?? all[0];
    },
  };
}

export async function patientsWithIdentifier(
  q: Queryable,
  identifier: PatientIdentifier,
): Promise<Patient[]> {
  const result = await q.query<{ content: string }>(
    `SELECT r.content FROM search_token t
     JOIN fhir_resource r ON r.resource_type = 'Patient' AND r.id = t.id AND NOT r.deleted
     WHERE t.resource_type = 'Patient' AND t.param = 'identifier' AND t.value = $1 AND t.system = $2
     ORDER BY r.id LIMIT ${MAX_RECORDS}`,
    [identifier.value, identifier.system],
  );
  return result.rows.map((row) => JSON.parse(row.content) as Patient);
}

/** `Patient/<id>` of this service's live, unmerged record for the identifier, if any. */
export async function localPatientFor(
  q: Queryable,
  identifier: PatientIdentifier,
  now: Date,
): Promise<DemographicsRecord | undefined> {
  const records = (await patientsWithIdentifier(q, identifier)).map((patient) =>
    demographicsOf(patient, now),
  );
  return records.find((record) => !record.merged);
}
