/**
 * Nominations in the store: the patient's current one (pharmacy_nomination, migration 0028), the
 * pharmacies known to the service (Organizations with the pharmacy role and an ODS code), and the
 * change itself with its `nomination-changed` event in one transaction. Prescribing reads the same
 * table when it stores an order without a pharmacy (prescribing_store_order, migration 0028).
 */
import type { Organization } from '@medplum/fhirtypes';
import type { Queryable } from '../../platform/database/database.js';
import { Problem } from '../../platform/errors/problem.js';
import { type SearchOptions, search } from '../../platform/fhir/search/index.js';
import { emit } from '../../platform/outbox/outbox.js';
import { ODS_SYSTEM } from '../repeat-requests/rules.js';
import {
  isPharmacy,
  MAX_PHARMACIES,
  ORGANISATION_ROLE_SYSTEM,
  PHARMACY_ROLE,
  type PharmacyQuery,
  pharmacyView,
  postcodePattern,
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

/**
 * Pharmacies matching the query, by name; trimmed to what a patient is shown. Everything that
 * decides whether an Organization is a pharmacy a patient may nominate (role, active, an ODS code)
 * and whether it answers the query (a postcode district) is part of the search, before its limit,
 * so the first MAX_PHARMACIES are the right ones however many others share a name or a postcode's
 * first letters.
 */
export async function findPharmacies(
  q: Queryable,
  query: PharmacyQuery,
  baseUrl: string,
): Promise<Organization[]> {
  const params = new URLSearchParams({
    type: `${ORGANISATION_ROLE_SYSTEM}|${PHARMACY_ROLE}`,
    // An Organization that does not say it is inactive is active (FHIR: `active` absent = true).
    'active:not': 'false',
    _sort: 'name',
    _count: String(MAX_PHARMACIES),
  });
  const options: SearchOptions = { baseUrl };
  if (query.by === 'ods') {
    params.set('identifier', `${ODS_SYSTEM}|${query.value}`);
  } else {
    params.set('identifier', `${ODS_SYSTEM}|`);
    if (query.by === 'name') params.set('name:contains', query.value);
    else {
      // The index's starts-with narrows the candidates; the restriction keeps the district's own.
      params.set('address-postalcode', query.value);
      options.restriction = postcodeRestriction(query.value);
    }
  }
  const found = await search(q, 'Organization', params, options);
  return (found.entry ?? [])
    .flatMap((entry) =>
      entry.search?.mode === 'match' && entry.resource ? [entry.resource as Organization] : [],
    )
    .filter(isPharmacy)
    .map(pharmacyView);
}

/** postcodePattern as a predicate over the search's `r`, on the postcodes the index keeps. */
function postcodeRestriction(query: string): NonNullable<SearchOptions['restriction']> {
  const { equals, startsWith } = postcodePattern(query);
  return (sql) => {
    // Postcodes are letters, digits and spaces (pharmacyQuery): nothing LIKE would read as a wildcard.
    const prefix = `p.value LIKE ${sql.add(`${startsWith}%`)}`;
    const match = equals === undefined ? prefix : `(p.value = ${sql.add(equals)} OR ${prefix})`;
    return (
      `EXISTS (SELECT 1 FROM search_string p WHERE p.resource_type = 'Organization' AND p.id = r.id` +
      ` AND p.param = 'address-postalcode' AND ${match})`
    );
  };
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
