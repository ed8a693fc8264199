import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../../test/databases.js';
import { BASE_URL, sortedIds, storeResources } from '../../../../test/support/platform/fhir-search.js';
import { Problem } from '../../errors/problem.js';
import { search } from './search.js';

/** Each bad query and the text its Problem must name. */
const BAD_QUERIES: [type: string, query: string, names: string][] = [
  ['Patient', 'shoe-size=42', "'shoe-size'"],
  ['Patient', 'birthdate=yesterday', 'birthdate'],
  ['Patient', 'birthdate=2024-02-30', 'birthdate'],
  ['Patient', 'birthdate=xx2024', "prefix 'xx'"],
  ['Patient', 'family:fuzzy=smith', 'family:fuzzy'],
  ['Patient', 'identifier:text=x', 'identifier:text'],
  ['Patient', 'identifier=', 'identifier'],
  ['Patient', 'identifier=|', 'identifier'],
  ['Patient', 'active:missing=maybe', 'active:missing'],
  ['Patient', 'organization.name=x', 'Chained'],
  ['Patient', '_sort=shoe-size', 'shoe-size'],
  ['Patient', '_sort=organization', 'reference'],
  ['Patient', '_count=-1', '_count'],
  ['Patient', '_count=ten', '_count'],
  ['Patient', '_offset=1.5', '_offset'],
  ['Patient', '_include=*', '_include'],
  ['Patient', '_include=MedicationRequest:subject', 'only Patient'],
  ['Patient', '_include=Patient:name', 'not a reference parameter'],
  ['Patient', '_revinclude=Task:owner:Organization', 'target must be Patient'],
  ['Patient', '_revinclude=Task:part-of', 'never points at Patient'],
  ['Patient', '_total=maybe', '_total'],
  ['Patient', '_summary=true', '_summary'],
  ['Patient', '_elements=id', '_elements'],
  ['Patient', '_include:iterate=Patient:organization', "'_include:iterate' is not supported"],
  ['Patient', '_has:Observation:patient:code=1', '_has'],
  ['Patient', '_lastUpdated=2024-13', '_lastUpdated'],
  ['Task', 'focus:Bundle2=x', 'focus:Bundle2'],
  ['Task', 'subject:Patient=Practitioner/1', 'not a Patient'],
  ['Patient', 'phonetic=smith', "'phonetic'"],
  ['Observation', 'value-quantity=5', "'value-quantity'"],
  ['AuditEvent', '', 'AuditEvent'],
];

describe.each(databaseKinds)('bad search input on %s', (kind) => {
  let database: TestDatabase;
  const find = (type: string, query: string) =>
    search(database.db, type, new URLSearchParams(query), { baseUrl: BASE_URL });

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    await storeResources(database.db, [{ resourceType: 'Patient', id: 'p1', name: [{ family: "O'Brien" }] }]);
  });
  afterAll(() => database.dispose());

  it.each(BAD_QUERIES)('%s?%s is a Problem INVALID_VALUE naming %s', async (type, query, names) => {
    const error = await find(type, query).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(Problem);
    expect((error as Problem).code).toBe('INVALID_VALUE');
    expect((error as Problem).status).toBe(400);
    expect((error as Problem).message).toContain(names);
  });

  it('runs every kind of filter, sort and include together', async () => {
    const query =
      'identifier=a|b,c&status:not=x&focus:identifier=y&owner=Organization/o&authored-on=ge2024&' +
      'modified=ne2024-05&_lastUpdated=lt2030&_id=t1,t2&code:missing=true&_sort=-authored-on,status,_id&' +
      '_include=Task:owner&_revinclude=Task:part-of&_total=accurate';
    expect(await find('Task', query)).toMatchObject({ resourceType: 'Bundle', total: 0 });
  });

  it('indexes a value holding a NUL without failing the write', async () => {
    await storeResources(database.db, [
      { resourceType: 'Patient', id: 'nul', name: [{ family: 'Nul\u0000l' }] },
    ]);
    expect(sortedIds(await find('Patient', 'family=null'))).toEqual(['nul']);
  });

  it('ignores _format and _pretty', async () => {
    expect(sortedIds(await find('Patient', '_format=json&_pretty=true&_id=p1'))).toEqual(['p1']);
  });

  it('hostile values are only ever data', async () => {
    for (const value of [
      "o'brien",
      "x'); DROP TABLE fhir_resource; --",
      '\\',
      '$1',
      'ü'.repeat(500),
      '%',
      '\u0000x',
    ]) {
      const query = new URLSearchParams();
      query.set('family', value);
      query.set('identifier', value);
      const bundle = await search(database.db, 'Patient', query, { baseUrl: BASE_URL }).catch(
        (error: unknown) => {
          // a NUL byte cannot be sent to PostgreSQL; it must still come back as a 400, not a 500
          expect(error).toBeInstanceOf(Problem);
          return undefined;
        },
      );
      if (bundle) expect(sortedIds(bundle)).toEqual([]);
    }
    expect(sortedIds(await find('Patient', "family=o'b"))).toEqual(['p1']);
  });
});
