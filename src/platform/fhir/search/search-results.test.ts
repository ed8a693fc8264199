import type { Bundle, Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../../test/databases.js';
import {
  BASE_URL,
  entryIds,
  sortedIds,
  storeResources,
  tombstone,
} from '../../../../test/support/platform/fhir-search.js';
import { search } from './search.js';

const pad = (n: number) => String(n).padStart(3, '0');

/** 45 MedicationRequests spread over three patients and a few dates; ids mr000…mr044. */
const requests: Resource[] = Array.from({ length: 45 }, (_, n) => ({
  resourceType: 'MedicationRequest',
  id: `mr${pad(n)}`,
  status: n % 3 === 0 ? 'cancelled' : 'active',
  intent: 'order',
  subject: { reference: `Patient/p${n % 3}` },
  requester: { reference: 'PractitionerRole/role1' },
  // several resources share each date, so the id tiebreak decides their order
  authoredOn: `2024-05-${String(1 + (n % 9)).padStart(2, '0')}`,
}));

const others: Resource[] = [
  { resourceType: 'Patient', id: 'p0', name: [{ family: 'Carter' }] },
  { resourceType: 'Patient', id: 'p1', name: [{ family: 'Adams' }] },
  { resourceType: 'Patient', id: 'p2', name: [{ family: 'Baker' }] },
  { resourceType: 'Patient', id: 'p9', name: [{ family: 'Deleted' }] },
  { resourceType: 'PractitionerRole', id: 'role1', active: true },
  {
    resourceType: 'Task',
    id: 'task1',
    status: 'requested',
    intent: 'order',
    focus: { reference: 'MedicationRequest/mr001' },
  },
];

describe.each(databaseKinds)('search results on %s', (kind) => {
  let database: TestDatabase;
  const find = (type: string, query: string | URLSearchParams) =>
    search(database.db, type, new URLSearchParams(query), { baseUrl: BASE_URL });

  /** Follows `next` links from the first page and returns every match id in order. */
  async function allPages(type: string, query: string): Promise<{ ids: string[]; pages: number }> {
    const ids: string[] = [];
    let bundle: Bundle = await find(type, query);
    let pages = 1;
    for (;;) {
      ids.push(...entryIds(bundle));
      const next = bundle.link?.find((link) => link.relation === 'next')?.url;
      if (!next) return { ids, pages };
      const url = new URL(next);
      expect(`${url.origin}${url.pathname}`).toBe(`${BASE_URL}/${type}`);
      bundle = await find(type, url.searchParams);
      pages++;
    }
  }

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    await storeResources(database.db, [...requests, ...others]);
    await tombstone(database.db, 'Patient', 'p9');
  });
  afterAll(() => database.dispose());

  it('answers a searchset with fullUrl, resource and search.mode', async () => {
    const bundle = await find('Patient', '_id=p1');
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 1 });
    expect(bundle.entry).toEqual([
      {
        fullUrl: `${BASE_URL}/Patient/p1`,
        resource: { resourceType: 'Patient', id: 'p1', name: [{ family: 'Adams' }] },
        search: { mode: 'match' },
      },
    ]);
    expect(bundle.link).toEqual([{ relation: 'self', url: `${BASE_URL}/Patient?_id=p1` }]);
  });

  it('never matches a tombstone', async () => {
    expect(sortedIds(await find('Patient', ''))).toEqual(['p0', 'p1', 'p2']);
    expect(sortedIds(await find('Patient', 'family=deleted'))).toEqual([]);
    expect(sortedIds(await find('Patient', '_id=p9'))).toEqual([]);
  });

  it('pages through next links to the end with nothing missing or repeated', async () => {
    const { ids, pages } = await allPages('MedicationRequest', '_count=7');
    expect(pages).toBe(7);
    expect(ids).toEqual(requests.map((r) => r.id));

    const active = await allPages('MedicationRequest', 'status=active&_count=4&_sort=-authoredon');
    expect(new Set(active.ids).size).toBe(30);
    expect(active.ids.length).toBe(30);
  });

  it('defaults to 20 a page and caps _count at 1000', async () => {
    const first = await find('MedicationRequest', '');
    expect(first.entry).toHaveLength(20);
    expect(first.link?.find((l) => l.relation === 'next')?.url).toContain('_offset=20');
    expect((await find('MedicationRequest', '_count=5000')).entry).toHaveLength(45);
  });

  it('gives total when it is known, always with _total=accurate, never with _total=none', async () => {
    expect((await find('MedicationRequest', 'status=cancelled')).total).toBe(15);
    expect((await find('MedicationRequest', '_count=10')).total).toBeUndefined();
    expect((await find('MedicationRequest', '_count=10&_total=accurate')).total).toBe(45);
    expect((await find('MedicationRequest', '_count=10&_offset=40')).total).toBe(45);
    expect((await find('MedicationRequest', '_total=none&status=cancelled')).total).toBeUndefined();
  });

  it('_summary=count and _count=0 give the total alone', async () => {
    const summary = await find('MedicationRequest', '_summary=count&status=active');
    expect(summary.total).toBe(30);
    expect(summary.entry).toBeUndefined();
    const zero = await find('MedicationRequest', '_count=0');
    expect(zero.total).toBe(45);
    expect(zero.entry).toBeUndefined();
  });

  it('sorts ascending and descending by date with a stable id tiebreak', async () => {
    const ascending = entryIds(await find('MedicationRequest', '_sort=authoredon&_count=100'));
    const expected = [...requests]
      .sort((a, b) => `${sortDate(a)}${a.id}`.localeCompare(`${sortDate(b)}${b.id}`))
      .map((r) => r.id);
    expect(ascending).toEqual(expected);

    const descending = entryIds(await find('MedicationRequest', '_sort=-authoredon&_count=100'));
    const expectedDescending = [...requests]
      .sort((a, b) => sortDate(b).localeCompare(sortDate(a)) || `${a.id}`.localeCompare(`${b.id}`))
      .map((r) => r.id);
    expect(descending).toEqual(expectedDescending);
  });

  it('sorts by _id, string, token and several keys', async () => {
    expect(entryIds(await find('Patient', '_sort=-_id'))).toEqual(['p2', 'p1', 'p0']);
    expect(entryIds(await find('Patient', '_sort=family'))).toEqual(['p1', 'p2', 'p0']);
    expect(entryIds(await find('Patient', '_sort=-family'))).toEqual(['p0', 'p2', 'p1']);
    const byStatusThenDate = entryIds(await find('MedicationRequest', '_sort=status,-authoredon&_count=3'));
    expect(byStatusThenDate).toEqual(['mr008', 'mr017', 'mr026']);
    expect(entryIds(await find('Patient', '_sort=_lastUpdated,_id'))).toEqual(['p0', 'p1', 'p2']);
  });

  it('_include adds each referenced resource once, as include', async () => {
    const bundle = await find(
      'MedicationRequest',
      'status=active&_include=MedicationRequest:subject&_count=100',
    );
    expect(entryIds(bundle)).toHaveLength(30);
    expect(entryIds(bundle, 'include')).toEqual(['p1', 'p2']);
    expect(bundle.entry?.find((e) => e.resource?.id === 'p1')?.fullUrl).toBe(`${BASE_URL}/Patient/p1`);

    const twoIncludes = await find(
      'MedicationRequest',
      '_id=mr001&_include=MedicationRequest:subject:Patient&_include=MedicationRequest:requester',
    );
    expect(entryIds(twoIncludes, 'include').sort()).toEqual(['p1', 'role1']);
    const wrongTarget = await find(
      'MedicationRequest',
      '_id=mr001&_include=MedicationRequest:requester:Practitioner',
    );
    expect(entryIds(wrongTarget, 'include')).toEqual([]);
  });

  it('_include leaves out tombstones', async () => {
    await storeResources(database.db, [
      {
        resourceType: 'MedicationRequest',
        id: 'gone-ref',
        status: 'active',
        intent: 'order',
        subject: { reference: 'Patient/p9' },
      } as Resource,
    ]);
    const bundle = await find('MedicationRequest', '_id=gone-ref&_include=MedicationRequest:subject');
    expect(entryIds(bundle)).toEqual(['gone-ref']);
    expect(entryIds(bundle, 'include')).toEqual([]);
  });

  it('_revinclude adds the resources that point at the matches', async () => {
    const bundle = await find('MedicationRequest', '_id=mr001,mr002&_revinclude=Task:focus');
    expect(entryIds(bundle)).toEqual(['mr001', 'mr002']);
    expect(entryIds(bundle, 'include')).toEqual(['task1']);
  });
});

function sortDate(resource: Resource): string {
  return (resource as { authoredOn?: string }).authoredOn ?? '';
}
