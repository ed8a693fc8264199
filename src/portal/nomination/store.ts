/**
 * Nominations in the store: the patient's current one (pharmacy_nomination, migration 0028), the
 * pharmacies known to the service (Organizations with the pharmacy role and an ODS code), and the
 * change itself with its `nomination-changed` event in one transaction. Prescribing reads the same
 * table when it stores an order without a pharmacy (prescribing_store_order, migration 0028).
 */
import type { Organization } from '@medplum/fhirtypes';
import type { Queryable } from '../../platform/database/database.js';
import { Problem } from '../../platform/errors/problem.js';
import { search } from '../../platform/fhir/search/index.js';
import { emit } from '../../platform/outbox/outbox.js';
import { ODS_SYSTEM } from '../repeat-requests/rules.js';
import {
  isPharmacy,
  MAX_PHARMACIES,
  ORGANISATION_ROLE_SYSTEM,
  PHARMACY_ROLE,
  type PharmacyQuery,
  pharmacyView,
  postcodeMatches,
} from './rules.js';

export interface Nomination {
  pharmacy: string;
  changedAt: Date;
}

export async function nominationOf(q: Queryable, patient: string): Promise<Nomination | undefined> {
  const result = await q.query<{ pharmacy: string; changed_at: Date | string }>(
    'SELECT pharmacy, changed_at FROM pharmacy_nomination WHERE patient = $1',
    [patient],
  );
  const row = result.rows[0];
  return row ? { pharmacy: row.pharmacy, changedAt: new Date(row.changed_at) } : undefined;
}

/** Pharmacies matching the query, by name; trimmed to what a patient is shown. */
export async function findPharmacies(
  q: Queryable,
  query: PharmacyQuery,
  baseUrl: string,
): Promise<Organization[]> {
  const params = new URLSearchParams({
    type: `${ORGANISATION_ROLE_SYSTEM}|${PHARMACY_ROLE}`,
    active: 'true',
    _sort: 'name',
    _count: String(MAX_PHARMACIES),
  });
  if (query.by === 'postcode') params.set('address-postalcode', query.value);
  else if (query.by === 'ods') params.set('identifier', `${ODS_SYSTEM}|${query.value}`);
  else params.set('name:contains', query.value);
  const found = await search(q, 'Organization', params, { baseUrl });
  return (found.entry ?? [])
    .flatMap((entry) =>
      entry.search?.mode === 'match' && entry.resource ? [entry.resource as Organization] : [],
    )
    .filter(isPharmacy)
    .filter(
      (organization) =>
        query.by !== 'postcode' ||
        (organization.address ?? []).some((address) => postcodeMatches(query.value, address.postalCode)),
    )
    .map(pharmacyView);
}

/** The pharmacy with this ODS code, or undefined when the service knows no such pharmacy. */
export async function pharmacyByOds(
  q: Queryable,
  ods: string,
  baseUrl: string,
): Promise<Organization | undefined> {
  const [pharmacy] = await findPharmacies(q, { by: 'ods', value: ods }, baseUrl);
  return pharmacy;
}

/**
 * Sets (or with `pharmacy` null, removes) the patient's nomination and announces it. Returns
 * whether anything changed: nominating the same pharmacy again changes nothing and emits nothing.
 */
export async function changeNomination(
  tx: Queryable,
  input: { patient: string; pharmacy: string | null; now: Date },
): Promise<{ changed: boolean; previous: string | undefined }> {
  const current = await tx.query<{ pharmacy: string }>(
    'SELECT pharmacy FROM pharmacy_nomination WHERE patient = $1 FOR UPDATE',
    [input.patient],
  );
  const previous = current.rows[0]?.pharmacy;
  if ((previous ?? null) === input.pharmacy) return { changed: false, previous };
  if (input.pharmacy === null) {
    await tx.query('DELETE FROM pharmacy_nomination WHERE patient = $1', [input.patient]);
  } else {
    await tx.query(
      `INSERT INTO pharmacy_nomination (patient, pharmacy, changed_at) VALUES ($1, $2, $3)
       ON CONFLICT (patient) DO UPDATE SET pharmacy = EXCLUDED.pharmacy, changed_at = EXCLUDED.changed_at`,
      [input.patient, input.pharmacy, input.now.toISOString()],
    );
  }
  await emit(tx, {
    type: 'nomination-changed',
    key: input.patient,
    payload: { patient: input.patient, pharmacy: input.pharmacy, previous: previous ?? null },
  });
  return { changed: true, previous };
}

/** A 400 for a code that is not a pharmacy the service knows (nothing is changed). */
export function unknownPharmacy(ods: string): Problem {
  return new Problem('INVALID_VALUE', `${ods} is not a pharmacy known to this service`, {
    expression: 'Parameters.parameter',
  });
}
