import type { Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../../test/databases.js';
import { BASE_URL, sortedIds, storeResources } from '../../../../test/support/platform/fhir-search.js';
import { search } from './search.js';

const resources: Resource[] = [
  {
    resourceType: 'Patient',
    id: 'muller',
    name: [{ family: 'Müller', given: ['Zoë', 'Ann'] }],
    address: [{ line: ['1 High Street'], city: 'Leeds', postalCode: 'LS1 1AA' }],
  },
  { resourceType: 'Patient', id: 'mullins', name: [{ family: 'Mullins', given: ['Bob'] }] },
  { resourceType: 'Patient', id: 'smith', name: [{ family: 'Smith', given: ['Ann'], text: 'Dr Ann Smith' }] },
  { resourceType: 'Patient', id: 'percent', name: [{ family: '100%_Pure' }] },
  { resourceType: 'Organization', id: 'o1', name: 'Boots Pharmacy', alias: ['Boots the Chemist'] },
  { resourceType: 'Organization', id: 'o2', name: 'Well Pharmacy' },
];

describe.each(databaseKinds)('string search on %s', (kind) => {
  let database: TestDatabase;
  const find = (type: string, query: string) =>
    search(database.db, type, new URLSearchParams(query), { baseUrl: BASE_URL });

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    await storeResources(database.db, resources);
  });
  afterAll(() => database.dispose());

  it('defaults to a case- and accent-insensitive starts-with', async () => {
    expect(sortedIds(await find('Patient', 'family=mul'))).toEqual(['muller', 'mullins']);
    expect(sortedIds(await find('Patient', 'family=MÜLLER'))).toEqual(['muller']);
    expect(sortedIds(await find('Patient', 'family=muller'))).toEqual(['muller']);
    expect(sortedIds(await find('Patient', 'given=zoe'))).toEqual(['muller']);
    expect(sortedIds(await find('Patient', 'family=ller'))).toEqual([]);
  });

  it('name matches any part of a HumanName and the whole name', async () => {
    expect(sortedIds(await find('Patient', 'name=ann'))).toEqual(['muller', 'smith']);
    expect(sortedIds(await find('Patient', 'name=ann smi'))).toEqual(['smith']);
    expect(sortedIds(await find('Patient', 'name=dr ann'))).toEqual(['smith']);
  });

  it(':exact compares the text as written', async () => {
    expect(sortedIds(await find('Patient', 'family:exact=Müller'))).toEqual(['muller']);
    expect(sortedIds(await find('Patient', 'family:exact=Muller'))).toEqual([]);
    expect(sortedIds(await find('Patient', 'family:exact=Mul'))).toEqual([]);
  });

  it(':contains matches anywhere', async () => {
    expect(sortedIds(await find('Patient', 'family:contains=LLE'))).toEqual(['muller']);
    expect(sortedIds(await find('Organization', 'name:contains=pharm'))).toEqual(['o1', 'o2']);
  });

  it('searches addresses, aliases, and ORs values', async () => {
    expect(sortedIds(await find('Patient', 'address=leeds'))).toEqual(['muller']);
    expect(sortedIds(await find('Patient', 'address-postalcode=ls1'))).toEqual(['muller']);
    expect(sortedIds(await find('Organization', 'name=chemist'))).toEqual([]);
    expect(sortedIds(await find('Organization', 'name=boots the'))).toEqual(['o1']);
    expect(sortedIds(await find('Organization', 'name=well,boots'))).toEqual(['o1', 'o2']);
  });

  it('takes % and _ in a search value literally', async () => {
    expect(sortedIds(await find('Patient', 'family=100%25_'))).toEqual(['percent']);
    expect(sortedIds(await find('Patient', 'family=%25'))).toEqual([]);
    expect(sortedIds(await find('Patient', 'family=_'))).toEqual([]);
  });
});
