/**
 * Proves that searches are answered through the index tables' indexes, not by scanning: the plan
 * PostgreSQL chooses for a few thousand rows must use the lookup index of the parameter's table.
 */
import type { Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../../test/databases.js';
import { storeResources } from '../../../../test/support/platform/fhir-search.js';
import type { PatientCompartment } from './compartment-filter.js';
import { parseSearchQuery } from './parse-query.js';
import { buildPageQuery } from './sql-query.js';

const PRESCRIPTION_ID = 'https://fhir.nhs.uk/Id/prescription-order-number';
const TASKS = 3000;

function task(n: number): Resource {
  return {
    resourceType: 'Task',
    id: `task-${n}`,
    status: 'requested',
    intent: 'order',
    identifier: [{ system: 'urn:pathways:task', value: `T${n}` }],
    // a rare status: one Task in a hundred is completed
    businessStatus: { coding: [{ code: n % 100 === 0 ? '0006' : '0001' }] },
    focus: { identifier: { system: PRESCRIPTION_ID, value: `RX-${n}` } },
    owner: { display: `Pharmacy ${n}` },
    authoredOn: new Date(Date.UTC(2024, 0, 1) + n * 60_000).toISOString(),
  } as Resource;
}

describe.each(databaseKinds.filter((kind) => kind === 'postgres'))('query plans on %s', () => {
  let database: TestDatabase;

  async function plan(type: string, query: string, compartment?: PatientCompartment): Promise<string> {
    const built = buildPageQuery(parseSearchQuery(type, new URLSearchParams(query)), { compartment });
    const result = await database.db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${built.sql}`, built.params);
    return result.rows.map((row) => row['QUERY PLAN']).join('\n');
  }

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    const resources = Array.from({ length: TASKS }, (_, n) => task(n));
    for (let start = 0; start < TASKS; start += 500) {
      await storeResources(database.db, resources.slice(start, start + 500));
    }
    const patients: Resource[] = Array.from({ length: 2000 }, (_, n) => ({
      resourceType: 'Patient',
      id: `p-${n}`,
      name: [{ family: `Family${n}`, given: ['Sam'] }],
    }));
    await storeResources(database.db, patients);
    await database.db.exec('ANALYZE');
  }, 120_000);
  afterAll(() => database.dispose());

  it('a token search uses search_token_lookup', async () => {
    const text = await plan('Task', 'identifier=urn:pathways:task|T1234');
    expect(text).toMatch(/Index (Only )?Scan using search_token_lookup/);
    expect(text).not.toContain('Seq Scan on search_token');

    const rare = await plan('Task', 'business-status=0006');
    expect(rare).toContain('search_token_lookup');
  });

  it('a reference :identifier search uses search_reference_identifier', async () => {
    const text = await plan('Task', `focus:identifier=${PRESCRIPTION_ID}|RX-2999`);
    expect(text).toMatch(/Index (Only )?Scan using search_reference_identifier/);
    expect(text).not.toContain('Seq Scan');
  });

  it('a string prefix search is an index range scan on search_string_lookup', async () => {
    const text = await plan('Patient', 'family=family123');
    expect(text).toContain('search_string_lookup');
    expect(text).toMatch(/Index Cond: .*value ~>=~/);
    expect(text).not.toContain('Seq Scan on search_string');
  });

  it('a date range search uses search_date_lookup', async () => {
    const text = await plan('Task', 'authored-on=2024-01-01T10:00:00Z');
    expect(text).toContain('search_date_lookup');
  });

  it("a patient's search is narrowed through search_reference_target, not by scanning", async () => {
    const own: PatientCompartment = { patientId: 'p-7', openTypes: new Set() };
    for (const query of ['', 'given=sam&_sort=family']) {
      const text = await plan('Patient', query, own);
      expect(text, query).toContain('search_reference_target');
      expect(text, query).not.toContain('Seq Scan on search_reference');
    }
  });
});
