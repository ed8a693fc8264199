/**
 * The `register` service on both databases: rights judged from the stored role versions at a
 * signing time, practitioners resolved by identifier, and (PostgreSQL) the history read through
 * migration 0007's index rather than by scanning.
 */
import type { Practitioner, PractitionerRole } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/app.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../test/databases.js';
import {
  caller,
  freshNumber,
  practitionerBody,
  registrar,
  roleBody,
} from '../../../test/support/register/api.js';
import { SDS_USER_ID_SYSTEM } from '../../../test/support/register/systems.js';
import type { RegisterService } from '../register-service.js';
import { REGISTER_SERVICE } from '../services.js';
import { GMC_NUMBER, NMC_NUMBER } from '../systems.js';
import { ROLE_VERSIONS, roleVersions } from './role-store.js';

/** Two writes in the same millisecond would share a recorded time; rights are judged between them. */
const nextMillisecond = () => new Promise((resolve) => setTimeout(resolve, 3));
const justBefore = (iso: string) => new Date(new Date(iso).getTime() - 1);

describe.each(databaseKinds)('register service on %s', (kind) => {
  let t: TestApp;
  let call: ReturnType<typeof caller>;
  let asRegistrar: string;
  let register: RegisterService;

  beforeAll(async () => {
    t = await startTestApp(kind);
    call = caller(t);
    asRegistrar = await registrar(t);
    register = t.pathways.services.get(REGISTER_SERVICE);
  });
  afterAll(() => t.close());

  async function practitioner(
    identifier = [{ system: GMC_NUMBER, value: freshNumber() }],
  ): Promise<Practitioner> {
    const response = await call(
      asRegistrar,
      'POST',
      '/fhir/R4/Practitioner',
      practitionerBody('0', { identifier }),
    );
    expect(response.statusCode, response.body).toBe(201);
    return response.json();
  }

  async function write(
    method: 'POST' | 'PUT',
    url: string,
    body: PractitionerRole,
  ): Promise<PractitionerRole> {
    await nextMillisecond();
    const response = await call(asRegistrar, method, url, body);
    expect(response.statusCode, response.body).toBeLessThan(300);
    return response.json();
  }

  const rightsAt = (practitionerId: string, at: Date, orgOds = 'A83008') =>
    register.rightsAt(t.pathways.db, { practitionerId, orgOds, at });

  it('judges rights across the versions of a role at each signing time', async () => {
    const p = await practitioner();
    const v1 = await write('POST', '/fhir/R4/PractitionerRole', roleBody(p.id!, ['independent']));
    const id = v1.id!;
    const v2 = await write('PUT', `/fhir/R4/PractitionerRole/${id}`, {
      ...roleBody(p.id!, ['independent', 'controlled-drugs']),
      id,
    });
    const v3 = await write('PUT', `/fhir/R4/PractitionerRole/${id}`, {
      ...roleBody(p.id!, ['independent'], { active: false }),
      id,
    });
    const v4 = await write('PUT', `/fhir/R4/PractitionerRole/${id}`, {
      ...roleBody(p.id!, ['supplementary']),
      id,
    });

    expect(await rightsAt(p.id!, justBefore(v1.meta!.lastUpdated!))).toEqual([]);
    expect(await rightsAt(p.id!, new Date(v1.meta!.lastUpdated!))).toEqual(['independent']);
    expect(await rightsAt(p.id!, justBefore(v3.meta!.lastUpdated!))).toEqual([
      'independent',
      'controlled-drugs',
    ]);
    expect(await rightsAt(p.id!, new Date(v2.meta!.lastUpdated!))).toEqual([
      'independent',
      'controlled-drugs',
    ]);
    expect(await rightsAt(p.id!, new Date(v3.meta!.lastUpdated!))).toEqual([]);
    expect(await rightsAt(p.id!, new Date(v4.meta!.lastUpdated!))).toEqual(['supplementary']);
    expect(await rightsAt(p.id!, new Date(v4.meta!.lastUpdated!), 'B81001')).toEqual([]);
  });

  it('lets an end date recorded later reach back, but not a suspension recorded later', async () => {
    const p = await practitioner();
    const v1 = await write('POST', '/fhir/R4/PractitionerRole', roleBody(p.id!, ['independent']));
    const id = v1.id!;
    const signedAt = new Date(new Date(v1.meta!.lastUpdated!).getTime() + 1);
    await nextMillisecond();
    const endedAt = new Date();
    await nextMillisecond();
    const signedAfterEnd = new Date();
    // The role is ended as of `endedAt`, recorded after both signatures.
    await write('PUT', `/fhir/R4/PractitionerRole/${id}`, {
      ...roleBody(p.id!, ['independent'], { period: { end: endedAt.toISOString() } }),
      id,
    });
    expect(await rightsAt(p.id!, signedAt)).toEqual(['independent']);
    expect(await rightsAt(p.id!, signedAfterEnd)).toEqual([]);

    const q = await practitioner();
    const r1 = await write('POST', '/fhir/R4/PractitionerRole', roleBody(q.id!, ['supplementary']));
    await nextMillisecond();
    const signedBeforeSuspension = new Date();
    const r2 = await write('PUT', `/fhir/R4/PractitionerRole/${r1.id}`, {
      ...roleBody(q.id!, ['supplementary'], { active: false }),
      id: r1.id!,
    });
    expect(await rightsAt(q.id!, signedBeforeSuspension)).toEqual(['supplementary']);
    expect(await rightsAt(q.id!, new Date(r2.meta!.lastUpdated!))).toEqual([]);
  });

  it('unites the rights of all the practitioner’s roles at the organisation, and only theirs', async () => {
    const p = await practitioner();
    const other = await practitioner();
    await write('POST', '/fhir/R4/PractitionerRole', roleBody(p.id!, ['supplementary']));
    await write('POST', '/fhir/R4/PractitionerRole', roleBody(p.id!, ['controlled-drugs']));
    await write('POST', '/fhir/R4/PractitionerRole', roleBody(p.id!, ['independent'], {}, 'B81001'));
    await write('POST', '/fhir/R4/PractitionerRole', roleBody(other.id!, ['independent']));
    const now = new Date();
    expect(await rightsAt(p.id!, now)).toEqual(['supplementary', 'controlled-drugs']);
    expect(await rightsAt(p.id!, now, 'B81001')).toEqual(['independent']);
    expect(await rightsAt('nobody-registered', now)).toEqual([]);
  });

  it('stops the rights of a deleted role from the deletion on', async () => {
    const p = await practitioner();
    const role = await write('POST', '/fhir/R4/PractitionerRole', roleBody(p.id!, ['independent']));
    await nextMillisecond();
    const beforeDeletion = new Date();
    await nextMillisecond();
    expect((await call(asRegistrar, 'DELETE', `/fhir/R4/PractitionerRole/${role.id}`)).statusCode).toBe(204);
    expect(await rightsAt(p.id!, beforeDeletion)).toEqual(['independent']);
    expect(await rightsAt(p.id!, new Date())).toEqual([]);
  });

  it('resolves a practitioner by any identifier, professional numbers deciding', async () => {
    const gmc = freshNumber();
    const a = await practitioner([
      { system: GMC_NUMBER, value: gmc },
      { system: SDS_USER_ID_SYSTEM, value: 'sds-shared' },
    ]);
    const b = await practitioner([
      { system: NMC_NUMBER, value: '77A1234B' },
      { system: SDS_USER_ID_SYSTEM, value: 'sds-shared' },
    ]);
    const db = t.pathways.db;
    expect((await register.resolvePractitioner(db, [{ system: GMC_NUMBER, value: gmc }]))?.id).toBe(a.id);
    expect(
      (
        await register.resolvePractitioner(db, [
          { system: SDS_USER_ID_SYSTEM, value: 'sds-shared' },
          { system: NMC_NUMBER, value: '77A1234B' },
        ])
      )?.id,
    ).toBe(b.id);
    const found = await register.resolvePractitioner(db, [
      { system: 'urn:unknown', value: 'x' },
      { system: GMC_NUMBER, value: gmc },
    ]);
    expect(found?.resource.resourceType).toBe('Practitioner');
    // Only a non-unique identifier naming two practitioners: no guess.
    expect(
      await register.resolvePractitioner(db, [{ system: SDS_USER_ID_SYSTEM, value: 'sds-shared' }]),
    ).toBeUndefined();
    // A system and a value that each exist, but not together.
    expect(await register.resolvePractitioner(db, [{ system: NMC_NUMBER, value: gmc }])).toBeUndefined();
    expect(await register.resolvePractitioner(db, [{ value: gmc }, {}])).toBeUndefined();
    expect(
      await register.resolvePractitioner(db, [
        { system: GMC_NUMBER, value: gmc },
        { system: NMC_NUMBER, value: '77A1234B' },
      ]),
    ).toBeUndefined();
    expect((await call(asRegistrar, 'DELETE', `/fhir/R4/Practitioner/${a.id}`)).statusCode).toBe(204);
    expect(await register.resolvePractitioner(db, [{ system: GMC_NUMBER, value: gmc }])).toBeUndefined();
  });
});

describe.each(databaseKinds.filter((kind) => kind === 'postgres'))('role history query plan on %s', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    await database.db.query(
      `INSERT INTO fhir_resource_history (resource_type, id, version_id, last_updated, deleted, content)
       SELECT 'Observation', 'o-' || g, 1, now(), false, '{"resourceType":"Observation"}' FROM generate_series(1, 20000) g`,
    );
    await database.db.query(
      `INSERT INTO fhir_resource_history (resource_type, id, version_id, last_updated, deleted, content)
       SELECT 'PractitionerRole', 'r-' || g, 1, now(), false,
              '{"resourceType":"PractitionerRole","practitioner":{"reference":"Practitioner/p-' || g || '"}}'
       FROM generate_series(1, 5000) g`,
    );
    await database.db.exec('ANALYZE fhir_resource_history');
  }, 120_000);
  afterAll(() => database.dispose());

  it('reads role history through the index of migration 0007, not by scanning the table', async () => {
    const plan = await database.db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${ROLE_VERSIONS}`, [
      'Practitioner/p-42',
    ]);
    const text = plan.rows.map((row) => row['QUERY PLAN']).join('\n');
    expect(text).toContain('fhir_resource_history_role_practitioner');
    expect(text).not.toContain('Seq Scan');
    const versions = await roleVersions(database.db, 'p-42');
    expect([...versions.keys()]).toEqual(['r-42']);
  });
});
