/**
 * The stored Patient a prescription belongs to, found by NHS/CHI number; a patient the service
 * has not seen before is created from the prescription's Patient (the demographics the prescriber
 * sent), so that the tracker, the portal and the audit trail can refer to one record.
 */
import type { Patient } from '@medplum/fhirtypes';
import type { Queryable } from '../../platform/database/database.js';
import { createResource } from '../../platform/fhir/store/repository.js';

/** Advisory lock namespace for "a patient with this identifier is being created". */
const PATIENT_LOCK_NAMESPACE = 7_301_011;

export async function findPatientByIdentifier(
  q: Queryable,
  identifier: { system: string; value: string },
): Promise<string | undefined> {
  const result = await q.query<{ id: string }>(
    `SELECT t.id FROM search_token t
     JOIN fhir_resource r ON r.resource_type = 'Patient' AND r.id = t.id AND NOT r.deleted
     WHERE t.resource_type = 'Patient' AND t.param = 'identifier' AND t.value = $1 AND t.system = $2
     ORDER BY (r.content::jsonb ->> 'active') = 'false', t.id LIMIT 1`,
    [identifier.value, identifier.system],
  );
  const id = result.rows[0]?.id;
  return id ? `Patient/${id}` : undefined;
}

export async function findOrCreatePatient(
  tx: Queryable,
  patient: { resource: Patient; identifier: { system: string; value: string } },
): Promise<string> {
  await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
    PATIENT_LOCK_NAMESPACE,
    `${patient.identifier.system}|${patient.identifier.value}`,
  ]);
  const found = await findPatientByIdentifier(tx, patient.identifier);
  if (found) return found;
  const { id: _bundleId, meta: _meta, ...demographics } = patient.resource;
  const created = await createResource(tx, { ...demographics, resourceType: 'Patient' });
  return `Patient/${created.id}`;
}
