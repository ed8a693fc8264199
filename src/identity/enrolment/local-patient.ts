/**
 * The Patient record in this service's FHIR store that a new account links to. With an external
 * demographics service the patient may not have a record here yet (no prescription, no hospital
 * feed so far): then it is created from the external record when the account is created.
 */
import type { Patient } from '@medplum/fhirtypes';
import type { Queryable } from '../../platform/database/database.js';
import { createResource } from '../../platform/fhir/store/repository.js';
import type { PatientIdentifier } from './registration-input.js';
import { localPatientFor } from './store-demographics.js';

/**
 * The advisory lock "a patient with this identifier is being created". It must stay the one
 * prescribing takes (src/prescribing/store/store-order.ts), so that a prescription arriving while the
 * patient enrols cannot create a second record.
 */
const PATIENT_LOCK_NAMESPACE = 7_301_011;

export async function lockPatientIdentifier(tx: Queryable, identifier: PatientIdentifier): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
    PATIENT_LOCK_NAMESPACE,
    `${identifier.system}|${identifier.value}`,
  ]);
}

/**
 * `Patient/<id>` for the identifier (inside a transaction that holds the lock): the existing
 * unmerged, living record, else one created from `resource`; undefined when there is neither
 * (or the record here says the patient has died).
 */
export async function linkablePatient(
  tx: Queryable,
  identifier: PatientIdentifier,
  resource: Patient | undefined,
  now: Date,
): Promise<{ patient: string; created: boolean } | undefined> {
  const existing = await localPatientFor(tx, identifier, now);
  if (existing) return existing.deceased ? undefined : { patient: existing.patient, created: false };
  if (!resource) return undefined;
  const created = await createResource(tx, resource, { now });
  return { patient: `Patient/${created.id}`, created: true };
}
