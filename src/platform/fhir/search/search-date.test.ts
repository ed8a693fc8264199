import type { Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../../test/databases.js';
import { BASE_URL, sortedIds, storeResources } from '../../../../test/support/platform/fhir-search.js';
import { search } from './search.js';

const task = (id: string, authoredOn: string): Resource => ({
  resourceType: 'Task',
  id,
  status: 'requested',
  intent: 'order',
  authoredOn,
});

const resources: Resource[] = [
  task('day', '2024-05-01'),
  task('morning', '2024-05-01T09:30:00Z'),
  task('evening-bst', '2024-05-01T23:30:00+01:00'), // 22:30Z, still 1 May in UTC
  task('month', '2024-06'),
  task('year', '2023'),
  task('precise', '2024-05-02T00:00:00.250Z'),
  { resourceType: 'PractitionerRole', id: 'open-ended', period: { start: '2024-01-01' } },
  { resourceType: 'PractitionerRole', id: 'ended', period: { start: '2023-01-01', end: '2024-03-31' } },
  { resourceType: 'PractitionerRole', id: 'no-period' },
];

describe.each(databaseKinds)('date search on %s', (kind) => {
  let database: TestDatabase;
  const find = (type: string, query: string) =>
    search(database.db, type, new URLSearchParams(query), { baseUrl: BASE_URL });
  const tasks = (query: string) => find('Task', `authored-on=${encodeURIComponent(query)}`).then(sortedIds);

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    await storeResources(database.db, resources, '2024-05-01T12:00:00Z');
    await storeResources(database.db, [task('later', '2025-01-01')], '2024-06-01T12:00:00Z');
  });
  afterAll(() => database.dispose());

  it('eq (default): the search range contains the value, at each precision', async () => {
    expect(await tasks('2024-05-01')).toEqual(['day', 'evening-bst', 'morning']);
    expect(await tasks('eq2024-05')).toEqual(['day', 'evening-bst', 'morning', 'precise']);
    expect(await tasks('2024')).toEqual(['day', 'evening-bst', 'month', 'morning', 'precise']);
    expect(await tasks('2024-05-01T09:30:00Z')).toEqual(['morning']);
    expect(await tasks('2024-05-01T10:30:00+01:00')).toEqual(['morning']);
    expect(await tasks('2024-05-01T09:30')).toEqual(['morning']);
  });

  it('ne is the complement of eq', async () => {
    expect(await tasks('ne2024-05')).toEqual(['later', 'month', 'year']);
  });

  it('gt, lt, ge, le compare the ranges', async () => {
    expect(await tasks('gt2024-05-01')).toEqual(['later', 'month', 'precise']);
    expect(await tasks('ge2024-05-01')).toEqual([
      'day',
      'evening-bst',
      'later',
      'month',
      'morning',
      'precise',
    ]);
    expect(await tasks('lt2024-05-01')).toEqual(['year']);
    expect(await tasks('le2024-05-01')).toEqual(['day', 'evening-bst', 'morning', 'year']);
    // a whole month reaches beyond a day inside it on both sides
    expect(await tasks('gt2024-06-15')).toContain('month');
    expect(await tasks('lt2024-06-15')).toContain('month');
  });

  it('sa and eb need the whole value after or before the search range', async () => {
    expect(await tasks('sa2024-05-01')).toEqual(['later', 'month', 'precise']);
    expect(await tasks('eb2024-06-15')).toEqual(['day', 'evening-bst', 'morning', 'precise', 'year']);
    expect(await tasks('ap2024-06-15')).toEqual(['month']);
  });

  it('ORs and ANDs dates', async () => {
    expect(await tasks('2023,2025')).toEqual(['later', 'year']);
    expect(
      sortedIds(await find('Task', 'authored-on=ge2024-05-01&authored-on=lt2024-05-02T00:00:00.100Z')),
    ).toEqual(['day', 'evening-bst', 'morning']);
  });

  it('treats a Period as a range with open ends unbounded', async () => {
    const roles = (query: string) => find('PractitionerRole', `date=${query}`).then(sortedIds);
    expect(await roles('gt2030-01-01')).toEqual(['open-ended']);
    expect(await roles('eq2024-02')).toEqual([]); // neither period lies inside February
    expect(await roles('ap2024-02')).toEqual(['ended', 'open-ended']);
    expect(await roles('sa2023-12-31')).toEqual(['open-ended']);
    expect(await roles('eb2024-04-01')).toEqual(['ended']);
    expect(sortedIds(await find('PractitionerRole', 'date:missing=true'))).toEqual(['no-period']);
  });

  it('_lastUpdated uses the resource row itself', async () => {
    const updated = (query: string) => find('Task', `_lastUpdated=${query}`).then((b) => sortedIds(b).length);
    expect(await updated('2024-05-01')).toBe(6);
    expect(await updated('gt2024-05-01')).toBe(1);
    expect(await updated('ge2024-05-01T12:00:00Z')).toBe(7);
    expect(await updated('lt2024-05-01T12:00:00Z')).toBe(0);
    expect(await updated('le2024-05-01T12:00:00Z')).toBe(6);
    expect(await updated('ne2024-06')).toBe(6);
  });
});
