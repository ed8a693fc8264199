import type { AuditEvent, Bundle, OperationOutcome } from '@medplum/fhirtypes';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../test/databases.js';
import { newTrail, resetAuditTrail, writeSequentially } from '../../../test/support/platform/audit.js';
import { registerErrorHandling } from '../http/errors.js';
import { auditRoutes, parseAuditSearch } from './routes.js';
import { searchAuditEvents } from './search.js';

const refs = (bundle: Bundle<AuditEvent>) =>
  (bundle.entry ?? []).map(
    (entry) => entry.resource!.entity?.find((e) => e.role?.code === '4')?.what?.reference,
  );

describe.each(databaseKinds)('AuditEvent search on %s', (kind) => {
  let t: TestDatabase;
  let app: FastifyInstance;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
    await resetAuditTrail(t.db);
    const { trail } = newTrail(t.db);
    await writeSequentially(trail, 5, 'Patient/a');
    await writeSequentially(trail, 3, 'Patient/b');
    await trail.record({ subtype: 'login', outcome: '0', agent: { reference: 'Practitioner/pr1' } });
    app = Fastify();
    registerErrorHandling(app);
    await app.register(auditRoutes({ db: t.db, baseUrl: 'https://pathways.test/fhir/R4' }));
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await t?.dispose();
  });

  it("returns one patient's events newest first, paged with a next link", async () => {
    const first = await searchAuditEvents(t.db, { patient: 'Patient/a', count: 2 });
    expect(first).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
    expect(refs(first)).toEqual(['MedicationRequest/mr4', 'MedicationRequest/mr3']);
    const next = first.link?.find((link) => link.relation === 'next')?.url;
    expect(next).toMatch(/^\/fhir\/R4\/AuditEvent\?patient=Patient%2Fa&_count=2&_before=\d+$/);
    const before = Number(new URL(next!, 'http://x').searchParams.get('_before'));
    const second = await searchAuditEvents(t.db, { patient: 'Patient/a', count: 2, before });
    expect(refs(second)).toEqual(['MedicationRequest/mr2', 'MedicationRequest/mr1']);
    const third = await searchAuditEvents(t.db, {
      patient: 'Patient/a',
      count: 2,
      before: Number(
        new URL(second.link?.find((l) => l.relation === 'next')?.url ?? '', 'http://x').searchParams.get(
          '_before',
        ),
      ),
    });
    expect(refs(third)).toEqual(['MedicationRequest/mr0']);
    expect(third.link?.some((link) => link.relation === 'next')).toBe(false);
  });

  it('returns every event without a patient, newest (the sign-in) first', async () => {
    const all = await searchAuditEvents(t.db, {});
    expect(all.entry).toHaveLength(9);
    expect(all.entry?.[0]?.resource?.subtype?.[0]?.code).toBe('110122');
  });

  it('serves GET /fhir/R4/AuditEvent?patient=ID and ?patient=Patient/ID', async () => {
    for (const patient of ['b', 'Patient/b']) {
      const response = await app.inject({
        method: 'GET',
        url: `/fhir/R4/AuditEvent?patient=${encodeURIComponent(patient)}`,
      });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/application\/fhir\+json/);
      const bundle = response.json() as Bundle<AuditEvent>;
      expect(bundle.entry).toHaveLength(3);
      expect(bundle.entry?.[0]?.fullUrl).toMatch(
        /^https:\/\/pathways\.test\/fhir\/R4\/AuditEvent\/[0-9a-f-]{36}$/,
      );
    }
  });

  it('follows its own next link', async () => {
    const first = (
      await app.inject({ method: 'GET', url: '/fhir/R4/AuditEvent?patient=a&_count=3' })
    ).json() as Bundle;
    const next = first.link?.find((link) => link.relation === 'next')?.url;
    expect(next).toBeDefined();
    const url = new URL(next!);
    const second = await app.inject({ method: 'GET', url: `${url.pathname}${url.search}` });
    expect(second.statusCode).toBe(200);
    expect((second.json() as Bundle).entry).toHaveLength(2);
  });

  it('refuses unsupported, repeated and malformed parameters with INVALID_VALUE', async () => {
    for (const query of [
      'name=smith',
      '_count=0',
      '_count=abc',
      'patient=a&patient=b',
      'patient=Practitioner/x',
      '_before=-1',
    ]) {
      const response = await app.inject({ method: 'GET', url: `/fhir/R4/AuditEvent?${query}` });
      expect({ query, status: response.statusCode }).toEqual({ query, status: 400 });
      const outcome = response.json() as OperationOutcome;
      expect(outcome.issue[0]?.details?.coding?.[0]?.code).toBe('INVALID_VALUE');
    }
  });
});

describe('parseAuditSearch', () => {
  it('normalises the patient and reads the count and cursor', () => {
    expect(parseAuditSearch(new URLSearchParams('patient=123&_count=20&_before=40'))).toEqual({
      patient: 'Patient/123',
      count: 20,
      before: 40,
    });
    expect(parseAuditSearch(new URLSearchParams(''))).toEqual({});
  });
});
