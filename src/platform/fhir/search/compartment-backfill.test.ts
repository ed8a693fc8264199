import type { Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../../test/databases.js';
import { BASE_URL, entryIds, storeResources } from '../../../../test/support/platform/fhir-search.js';
import { backfillPatientCompartment } from './compartment-backfill.js';
import { PATIENT_COMPARTMENT_PARAM } from './compartment-filter.js';
import { search } from './search.js';

const compartment = { patientId: 'p1', openTypes: new Set(['Practitioner']) };

/** 123 Observations (more than two batches of 50), two of them patient p1's, and a few others. */
const resources: Resource[] = [
  { resourceType: 'Patient', id: 'p1' },
  { resourceType: 'Patient', id: 'p2' },
  { resourceType: 'Practitioner', id: 'gp' },
  ...Array.from(
    { length: 123 },
    (_, n): Resource => ({
      resourceType: 'Observation',
      id: `obs${String(n).padStart(3, '0')}`,
      status: 'final',
      code: { text: 'x' },
      subject: { reference: n === 7 || n === 122 ? 'Patient/p1' : 'Patient/p2' },
    }),
  ),
];

describe.each(databaseKinds)('patient compartment backfill on %s', (kind) => {
  let database: TestDatabase;
  const ownObservations = async () =>
    entryIds(
      await search(database.db, 'Observation', new URLSearchParams('_count=100'), {
        baseUrl: BASE_URL,
        patientCompartment: compartment,
      }),
    );

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    await storeResources(database.db, resources);
    await backfillPatientCompartment(database.db);
    // As stored before migration 0014: no compartment rows, and the backfill requested.
    await database.db.query('DELETE FROM search_reference WHERE param = $1', [PATIENT_COMPARTMENT_PARAM]);
    await database.db.query("INSERT INTO search_backfill (name) VALUES ('patient-compartment')");
  });
  afterAll(() => database.dispose());

  it('gives older resources their compartment rows, so patient searches find them, then stops', async () => {
    expect(await ownObservations()).toEqual([]);
    expect(await backfillPatientCompartment(database.db, 50)).toBe(125);
    expect(await ownObservations()).toEqual(['obs007', 'obs122']);
    const patient = await search(database.db, 'Patient', new URLSearchParams(), {
      baseUrl: BASE_URL,
      patientCompartment: compartment,
    });
    expect(entryIds(patient)).toEqual(['p1']);
    expect((await database.db.query('SELECT 1 FROM search_backfill')).rowCount).toBe(0);
    expect(await backfillPatientCompartment(database.db, 50)).toBe(0);
  });

  it('replaces rather than duplicates rows a resource already has', async () => {
    await database.db.query("INSERT INTO search_backfill (name) VALUES ('patient-compartment')");
    expect(await backfillPatientCompartment(database.db, 50)).toBe(125);
    const rows = await database.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM search_reference WHERE param = $1',
      [PATIENT_COMPARTMENT_PARAM],
    );
    expect(rows.rows[0]?.n).toBe(125);
  });
});
