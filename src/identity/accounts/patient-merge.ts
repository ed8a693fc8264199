/**
 * A patient record merged into another (HAZ-MERGE, the hospital feed's ADT A40/A34/A47): the
 * portal accounts signed in as the retired record must not keep acting as it. Their sessions are
 * revoked (refresh families, and with them the access tokens carrying their `sid`) and the
 * accounts now name the survivor, so the next sign-in is matched to the surviving record.
 */
import type { Queryable } from '../../platform/database/database.js';

export interface PatientMergeOutcome {
  accounts: number;
  sessions: number;
}

export async function followPatientMerge(
  tx: Queryable,
  merge: { retired: string; survivor: string },
): Promise<PatientMergeOutcome> {
  // Revoked first: the families are found through the accounts' current fhirUser.
  const sessions = await tx.query(
    `UPDATE oauth_refresh_family SET revoked_at = now(), revoked_reason = 'patient-merged'
     WHERE revoked_at IS NULL AND account_id IN (SELECT id::text FROM account WHERE fhir_user = $1)`,
    [merge.retired],
  );
  const accounts = await tx.query(
    'UPDATE account SET fhir_user = $2, updated_at = now() WHERE fhir_user = $1',
    [merge.retired, merge.survivor],
  );
  return { accounts: accounts.rowCount, sessions: sessions.rowCount };
}
