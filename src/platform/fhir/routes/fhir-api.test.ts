import type { Bundle, CapabilityStatement, OperationOutcome, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../../test/app.js';
import { databaseKinds } from '../../../../test/databases.js';
import { NHS_NUMBER_SYSTEM } from '../../../nhs/index.js';

const FHIR = { 'content-type': 'application/fhir+json' };

function patient(nhs: string, family = 'Test'): Patient {
  return {
    resourceType: 'Patient',
    identifier: [{ system: NHS_NUMBER_SYSTEM, value: nhs }],
    name: [{ family, given: ['Pat'] }],
    gender: 'female',
    birthDate: '1970-01-01',
  };
}

function errorCode(body: string): string | undefined {
  return (JSON.parse(body) as OperationOutcome).issue[0]?.details?.coding?.[0]?.code;
}

describe.each(databaseKinds)('FHIR REST API on %s', (kind) => {
  let t: TestApp;
  let admin: string;
  // Every call here is made as an administrator; fhir-access.test.ts covers the other callers.
  const inject = (options: {
    method: string;
    url: string;
    headers?: Record<string, string>;
    payload?: unknown;
  }) =>
    t.pathways.app.inject({
      ...options,
      headers: { authorization: admin, ...options.headers },
    } as never);

  beforeAll(async () => {
    t = await startTestApp(kind);
    admin = await t.bearer({ roles: ['admin'] });
  });
  afterAll(() => t.close());

  it('creates, reads, versions, updates with If-Match and deletes a resource', async () => {
    const created = await inject({
      method: 'POST',
      url: '/fhir/R4/Patient',
      headers: FHIR,
      payload: patient('9449306060'),
    });
    expect(created.statusCode).toBe(201);
    expect(created.headers['content-type']).toContain('application/fhir+json');
    const body = created.json() as Patient;
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.meta?.versionId).toBe('1');
    expect(created.headers.etag).toBe('W/"1"');
    expect(created.headers.location).toBe(`http://pathways.test/fhir/R4/Patient/${body.id}/_history/1`);

    const read = await inject({ method: 'GET', url: `/fhir/R4/Patient/${body.id}` });
    expect(read.statusCode).toBe(200);
    expect(read.headers.etag).toBe('W/"1"');
    expect(read.json()).toEqual(body);

    const update = { ...body, gender: 'male' };
    const stale = await inject({
      method: 'PUT',
      url: `/fhir/R4/Patient/${body.id}`,
      headers: { ...FHIR, 'if-match': 'W/"7"' },
      payload: update,
    });
    expect(stale.statusCode).toBe(412);
    expect(errorCode(stale.body)).toBe('PRECONDITION_FAILED');

    const updated = await inject({
      method: 'PUT',
      url: `/fhir/R4/Patient/${body.id}`,
      headers: { ...FHIR, 'if-match': 'W/"1"' },
      payload: update,
    });
    expect(updated.statusCode).toBe(200);
    expect(updated.headers.etag).toBe('W/"2"');

    const v1 = await inject({ method: 'GET', url: `/fhir/R4/Patient/${body.id}/_history/1` });
    expect((v1.json() as Patient).gender).toBe('female');
    const history = (
      await inject({ method: 'GET', url: `/fhir/R4/Patient/${body.id}/_history` })
    ).json() as Bundle;
    expect(history.type).toBe('history');
    expect(history.entry?.map((entry) => entry.response?.etag)).toEqual(['W/"2"', 'W/"1"']);

    const deleted = await inject({ method: 'DELETE', url: `/fhir/R4/Patient/${body.id}` });
    expect(deleted.statusCode).toBe(204);
    const gone = await inject({ method: 'GET', url: `/fhir/R4/Patient/${body.id}` });
    expect(gone.statusCode).toBe(410);
    const afterDelete = (
      await inject({ method: 'GET', url: `/fhir/R4/Patient/${body.id}/_history` })
    ).json() as Bundle;
    expect(afterDelete.entry?.[0]?.request?.method).toBe('DELETE');
    expect((await inject({ method: 'DELETE', url: '/fhir/R4/Patient/never-existed' })).statusCode).toBe(404);
  });

  it('creates with a client id through PUT and refuses a body whose id differs', async () => {
    const put = await inject({
      method: 'PUT',
      url: '/fhir/R4/Patient/client-chosen-1',
      headers: FHIR,
      payload: { ...patient('9449304130'), id: 'client-chosen-1' },
    });
    expect(put.statusCode).toBe(201);
    const mismatch = await inject({
      method: 'PUT',
      url: '/fhir/R4/Patient/client-chosen-1',
      headers: FHIR,
      payload: { ...patient('9449304130'), id: 'other' },
    });
    expect(mismatch.statusCode).toBe(400);
    expect(errorCode(mismatch.body)).toBe('INVALID_VALUE');
  });

  it('honours If-None-Exist: the second create returns the first resource', async () => {
    const headers = { ...FHIR, 'if-none-exist': `identifier=${NHS_NUMBER_SYSTEM}|9449310378` };
    const first = await inject({
      method: 'POST',
      url: '/fhir/R4/Patient',
      headers,
      payload: patient('9449310378'),
    });
    const second = await inject({
      method: 'POST',
      url: '/fhir/R4/Patient',
      headers,
      payload: patient('9449310378'),
    });
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(200);
    expect((second.json() as Patient).id).toBe((first.json() as Patient).id);
    const found = (
      await inject({
        method: 'GET',
        url: `/fhir/R4/Patient?identifier=${encodeURIComponent(`${NHS_NUMBER_SYSTEM}|9449310378`)}`,
      })
    ).json() as Bundle;
    expect(found.entry).toHaveLength(1);
  });

  it('pages search results through next links', async () => {
    for (let i = 0; i < 5; i++) {
      await inject({
        method: 'POST',
        url: '/fhir/R4/Patient',
        headers: FHIR,
        payload: patient('9000000009', 'Pager'),
      });
    }
    const seen: string[] = [];
    let url: string | undefined = '/fhir/R4/Patient?family=Pager&_count=2';
    while (url) {
      const page = (await inject({ method: 'GET', url })).json() as Bundle;
      seen.push(...(page.entry ?? []).map((entry) => String(entry.resource?.id)));
      const next = page.link?.find((link) => link.relation === 'next')?.url;
      url = next ? next.replace('http://pathways.test', '') : undefined;
    }
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
  });

  it('applies a transaction Bundle all-or-nothing and rewrites urn:uuid references', async () => {
    const ok = await inject({
      method: 'POST',
      url: '/fhir/R4',
      headers: FHIR,
      payload: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            fullUrl: 'urn:uuid:8f0c5c0e-1f6b-4d5a-9a54-2d1b7e6f0001',
            resource: patient('9449306060', 'Bundled'),
            request: { method: 'POST', url: 'Patient' },
          },
          {
            resource: {
              resourceType: 'Observation',
              status: 'final',
              code: { text: 'Blood pressure' },
              subject: { reference: 'urn:uuid:8f0c5c0e-1f6b-4d5a-9a54-2d1b7e6f0001' },
            },
            request: { method: 'POST', url: 'Observation' },
          },
        ],
      },
    });
    expect(ok.statusCode).toBe(200);
    const response = ok.json() as Bundle;
    expect(response.type).toBe('transaction-response');
    const patientId = response.entry?.[0]?.response?.location?.split('/')[1];
    const observationLocation = response.entry?.[1]?.response?.location?.split('/_history')[0];
    const observation = (await inject({ method: 'GET', url: `/fhir/R4/${observationLocation}` })).json() as {
      subject: { reference: string };
    };
    expect(observation.subject.reference).toBe(`Patient/${patientId}`);

    const before = await countRows('Patient');
    const bad = await inject({
      method: 'POST',
      url: '/fhir/R4',
      headers: FHIR,
      payload: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { resource: patient('9449304130', 'Rollback'), request: { method: 'POST', url: 'Patient' } },
          {
            resource: { resourceType: 'Patient', gender: 'not-a-gender' },
            request: { method: 'POST', url: 'Patient' },
          },
        ],
      },
    });
    expect(bad.statusCode).toBe(400);
    expect((bad.json() as OperationOutcome).issue[0]?.diagnostics).toContain('Bundle.entry[1]');
    expect(await countRows('Patient')).toBe(before);
  });

  async function countRows(type: string): Promise<number> {
    const result = await t.pathways.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM fhir_resource WHERE resource_type = $1',
      [type],
    );
    return result.rows[0]!.n;
  }

  it.each([
    [
      'malformed JSON',
      { method: 'POST', url: '/fhir/R4/Patient', headers: FHIR, payload: '{"resourceType": "Pat' },
      400,
      'INVALID_VALUE',
    ],
    [
      'an empty body',
      { method: 'POST', url: '/fhir/R4/Patient', headers: FHIR, payload: '' },
      400,
      'INVALID_VALUE',
    ],
    [
      'a wrong content type',
      { method: 'POST', url: '/fhir/R4/Patient', headers: { 'content-type': 'text/plain' }, payload: 'hi' },
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    ['an unknown resource type', { method: 'GET', url: '/fhir/R4/Spaceship/1' }, 404, 'NOT_FOUND'],
    ['a bad id', { method: 'GET', url: '/fhir/R4/Patient/bad$id!' }, 400, 'INVALID_VALUE'],
    [
      'an unknown search parameter',
      { method: 'GET', url: '/fhir/R4/Patient?shoe-size=9' },
      400,
      'INVALID_VALUE',
    ],
    [
      'an XML Accept header',
      { method: 'GET', url: '/fhir/R4/metadata', headers: { accept: 'application/fhir+xml' } },
      406,
      'NOT_ACCEPTABLE',
    ],
    [
      'an invalid resource',
      {
        method: 'POST',
        url: '/fhir/R4/Patient',
        headers: FHIR,
        payload: { resourceType: 'Patient', birthDate: 'yesterday' },
      },
      400,
      'INVALID_VALUE',
    ],
    [
      'a body of another type',
      { method: 'POST', url: '/fhir/R4/Patient', headers: FHIR, payload: { resourceType: 'Organization' } },
      400,
      'INVALID_VALUE',
    ],
    // (A browser asking for HTML gets the portal's own not-found page: src/portal-web.)
    [
      'an unknown route',
      { method: 'GET', url: '/nowhere', headers: { accept: 'application/fhir+json' } },
      404,
      'NOT_FOUND',
    ],
  ] as const)('answers %s with a %i OperationOutcome and no stack trace', async (_name, request, status, code) => {
    const response = await inject(request as never);
    expect(response.statusCode).toBe(status);
    expect(response.json().resourceType).toBe('OperationOutcome');
    expect(errorCode(response.body)).toBe(code);
    expect(response.body).not.toMatch(/\bat .*\.(ts|js):\d+/);
  });

  it('answers an oversized body with 413 and stores nothing', async () => {
    const before = await countRows('Patient');
    const huge = {
      ...patient('9449306060'),
      text: { status: 'generated', div: `<div>${'x'.repeat(6 * 1024 * 1024)}</div>` },
    };
    const response = await inject({ method: 'POST', url: '/fhir/R4/Patient', headers: FHIR, payload: huge });
    expect(response.statusCode).toBe(413);
    expect(errorCode(response.body)).toBe('PAYLOAD_TOO_LARGE');
    expect(await countRows('Patient')).toBe(before);
  });

  it('publishes a CapabilityStatement of what is really registered', async () => {
    const response = await inject({ method: 'GET', url: '/fhir/R4/metadata' });
    const statement = response.json() as CapabilityStatement;
    expect(statement.fhirVersion).toBe('4.0.1');
    const rest = statement.rest?.[0];
    if (!rest) throw new Error('CapabilityStatement has no rest entry');
    expect(rest.interaction?.map((i) => i.code)).toEqual(['transaction']);
    const patientResource = rest.resource?.find((r) => r.type === 'Patient');
    expect(patientResource?.interaction?.map((i) => i.code)).toContain('history-instance');
    expect(patientResource?.searchParam?.map((p) => p.name)).toContain('identifier');
    expect(rest.resource?.map((r) => String(r.type))).not.toContain('Spaceship');
    // Everything advertised for search must be accepted by search.
    const sample: Record<string, string> = {
      date: '2020',
      reference: 'Patient/x',
      number: '1',
      quantity: '1',
      uri: 'http://example.org/x',
    };
    for (const param of patientResource?.searchParam ?? []) {
      const value = encodeURIComponent(sample[param.type] ?? 'x');
      const probe = await inject({ method: 'GET', url: `/fhir/R4/Patient?${param.name}=${value}&_count=1` });
      expect({ param: param.name, status: probe.statusCode }).toEqual({ param: param.name, status: 200 });
    }
  });

  it('writes a hash-chained audit record for reads and writes of patient data', async () => {
    const count = async () =>
      (await t.pathways.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_event')).rows[0]!.n;
    const before = await count();
    const created = (
      await inject({
        method: 'POST',
        url: '/fhir/R4/Patient',
        headers: FHIR,
        payload: patient('9449306060', 'Audited'),
      })
    ).json() as Patient;
    await inject({ method: 'GET', url: `/fhir/R4/Patient/${created.id}` });
    expect(await count()).toBe(before + 2);
    const rows = await t.pathways.db.query<{ patient: string }>(
      'SELECT patient FROM audit_event ORDER BY seq DESC LIMIT 2',
    );
    expect(rows.rows.map((row) => row.patient)).toEqual([`Patient/${created.id}`, `Patient/${created.id}`]);
    // Organisations are not patient data: reading one is not audited.
    const org = (
      await inject({
        method: 'POST',
        url: '/fhir/R4/Organization',
        headers: FHIR,
        payload: { resourceType: 'Organization', name: 'X' },
      })
    ).json() as { id: string };
    await inject({ method: 'GET', url: `/fhir/R4/Organization/${org.id}` });
    expect(await count()).toBe(before + 2);
  });
});
