/**
 * Bodies and queries of the wrong shape on the generic FHIR API (issue 17 §2): each one is a 4xx
 * OperationOutcome that names the problem and changes nothing, never a 500.
 */
import type { OperationOutcome } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../../test/app.js';
import { databaseKinds } from '../../../../test/databases.js';
import { RESOURCE_TYPES } from '../resource-types.js';
import { indexedParams } from '../search/definitions.js';

const FHIR = { 'content-type': 'application/fhir+json' };

function outcome(body: string): { code: string | undefined; diagnostics: string; expression?: string[] } {
  const issue = (JSON.parse(body) as OperationOutcome).issue[0];
  return {
    code: issue?.details?.coding?.[0]?.code,
    diagnostics: issue?.diagnostics ?? '',
    ...(issue?.expression ? { expression: issue.expression } : {}),
  };
}

const nestedResource = (levels: number) =>
  `{"resourceType":"Patient","extension":[${'{"url":"x","extension":['.repeat(levels)}${']}'.repeat(levels)}]}`;

/**
 * Every date search parameter of every stored type searched through the generic route, and
 * `_lastUpdated`. Task and Communication have searches of their own that take no dates (the
 * prescription tracker, a recipient's messages).
 */
const OWN_SEARCH = new Set(['Task', 'Communication']);
const DATE_PARAMETERS = RESOURCE_TYPES.filter((type) => !OWN_SEARCH.has(type)).flatMap((type) => [
  ...[...indexedParams(type).values()]
    .filter((parameter) => parameter.type === 'date')
    .map((parameter) => ({ type, name: parameter.code })),
  { type, name: '_lastUpdated' },
]);

describe.each(databaseKinds)('malformed input on the generic FHIR API on %s', (kind) => {
  let t: TestApp;
  let admin: string;
  let patient: string;

  const call = (authorization: string, method: string, url: string, payload?: string) =>
    t.pathways.app.inject({
      method: method as 'POST',
      url,
      headers: { ...FHIR, authorization },
      ...(payload !== undefined ? { payload } : {}),
    });
  const resourceCount = async () =>
    Number((await t.pathways.db.query<{ n: string }>('SELECT count(*) AS n FROM fhir_resource')).rows[0]!.n);

  beforeAll(async () => {
    t = await startTestApp(kind);
    admin = await t.bearer({ roles: ['admin'] });
    patient = await t.bearer({ roles: ['patient'], fhirUser: 'Patient/p-malformed' });
  });
  afterAll(() => t.close());

  it('refuses a body nested deeper than the limit at parse time, on every JSON route', async () => {
    for (const [method, url] of [
      ['POST', '/fhir/R4/Patient'],
      ['PUT', '/fhir/R4/Patient/deep'],
      ['POST', '/fhir/R4'],
      ['POST', '/fhir/R4/$process-message'],
    ] as const) {
      const response = await call(admin, method, url, nestedResource(2_000));
      expect(response.statusCode, `${method} ${url}`).toBe(400);
      expect(outcome(response.body).code).toBe('INVALID_VALUE');
      expect(outcome(response.body).diagnostics).toMatch(/nests deeper than 100 levels/);
    }
    const deepTransaction = `{"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":"urn:uuid:1","request":{"method":"POST","url":"Patient"},"resource":${nestedResource(2_000)}}]}`;
    const response = await call(admin, 'POST', '/fhir/R4', deepTransaction);
    expect(response.statusCode).toBe(400);
    expect(outcome(response.body).diagnostics).toMatch(/nests deeper/);
  });

  it('answers transaction Bundles of the wrong shape with a 400 naming the element, storing nothing', async () => {
    const before = await resourceCount();
    const patientEntry = {
      resource: { resourceType: 'Patient' },
      request: { method: 'POST', url: 'Patient' },
    };
    const cases: Array<[string, unknown, string]> = [
      ['entry an object', { entry: {} }, 'Bundle.entry'],
      ['entry a string', { entry: 'x' }, 'Bundle.entry'],
      ['an entry null', { entry: [null] }, 'Bundle.entry[0]'],
      ['an entry a number', { entry: [3] }, 'Bundle.entry[0]'],
      ['fullUrl an object', { entry: [{ ...patientEntry, fullUrl: {} }] }, 'Bundle.entry[0].fullUrl'],
      [
        'request.url an array',
        { entry: [{ ...patientEntry, request: { method: 'POST', url: ['Patient'] } }] },
        'Bundle.entry[0].request.url',
      ],
      [
        'request.method an object',
        { entry: [{ ...patientEntry, request: { method: { toString: 'x' }, url: 'Patient' } }] },
        'Bundle.entry[0].request.method',
      ],
      [
        'request a string',
        { entry: [{ ...patientEntry, request: 'POST Patient' }] },
        'Bundle.entry[0].request',
      ],
      ['resource an array', { entry: [{ ...patientEntry, resource: [] }] }, 'Bundle.entry[0].resource'],
      [
        'resourceType an object',
        { entry: [{ ...patientEntry, resource: { resourceType: { toString: 'x' } } }] },
        'Bundle.entry[0].resource.resourceType',
      ],
      [
        'ifMatch a number',
        { entry: [{ ...patientEntry, request: { method: 'PUT', url: 'Patient/a', ifMatch: 1 } }] },
        'Bundle.entry[0].request.ifMatch',
      ],
      [
        'ifNoneExist an object',
        { entry: [{ ...patientEntry, request: { method: 'POST', url: 'Patient', ifNoneExist: {} } }] },
        'Bundle.entry[0].request.ifNoneExist',
      ],
      ['type an object', { type: { toString: 'x' } }, 'Bundle.type'],
    ];
    for (const [name, shape, expression] of cases) {
      const body = JSON.stringify({ resourceType: 'Bundle', type: 'transaction', ...(shape as object) });
      const response = await call(admin, 'POST', '/fhir/R4', body);
      expect(response.statusCode, name).toBe(400);
      expect(outcome(response.body).expression?.[0], name).toBe(expression);
    }
    expect(await resourceCount()).toBe(before);
  });

  it('answers a resourceType that is not a string with a 400, on create and update', async () => {
    const body = JSON.stringify({ resourceType: { toString: 'x' } });
    for (const [method, url] of [
      ['POST', '/fhir/R4/Patient'],
      ['PUT', '/fhir/R4/Patient/not-a-string'],
    ] as const) {
      const response = await call(admin, method, url, body);
      expect(response.statusCode, `${method} ${url}`).toBe(400);
      expect(outcome(response.body)).toMatchObject({ code: 'INVALID_VALUE', expression: ['resourceType'] });
    }
    const array = await call(
      admin,
      'POST',
      '/fhir/R4/Patient',
      JSON.stringify({ resourceType: ['Patient'] }),
    );
    expect(array.statusCode).toBe(400);
  });

  it('answers a search date outside the calendar FHIR and PostgreSQL share with a 400 naming the parameter', async () => {
    expect(DATE_PARAMETERS.length).toBeGreaterThanOrEqual(24);
    for (const { type, name } of DATE_PARAMETERS) {
      for (const [who, token] of [
        ['admin', admin],
        ['patient', patient],
      ] as const) {
        for (const value of ['0000-01-01', 'ge0000', 'lt0000-06-01T00:00:00Z', '10000-01-01']) {
          const response = await call(token, 'GET', `/fhir/R4/${type}?${name}=${value}`);
          const what = `${who} ${type}?${name}=${value}`;
          // A patient may be refused the type outright (403); never a server error.
          if (response.statusCode === 403) continue;
          expect(response.statusCode, what).toBe(400);
          expect(outcome(response.body).expression, what).toEqual([name]);
        }
      }
    }
  });

  it('searches the last days of year 9999 and the first of year 1, where a range edge leaves the four-digit years', async () => {
    for (const { type, name } of DATE_PARAMETERS) {
      for (const value of [
        'ge9999-12-31T23:59:59Z',
        'sa9999',
        'gt9999-12-31',
        'le9999',
        'eb0001',
        'lt0001-01-01T00:00:00%2B14:00',
        'ap0001-01-01T05:00-12:00',
      ]) {
        const response = await call(admin, 'GET', `/fhir/R4/${type}?${name}=${value}`);
        expect(response.statusCode, `${type}?${name}=${value}`).toBe(200);
      }
    }
  });

  it('stores and finds dates at both ends of the FHIR calendar, their ranges past it included', async () => {
    const created = await call(
      admin,
      'POST',
      '/fhir/R4/Patient',
      JSON.stringify({ resourceType: 'Patient', birthDate: '9999-12-31', name: [{ family: 'Edge' }] }),
    );
    expect(created.statusCode, created.body).toBe(201);
    const early = await call(
      admin,
      'POST',
      '/fhir/R4/Observation',
      JSON.stringify({
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'Edge' },
        effectiveDateTime: '0001-01-01T00:00:00+14:00',
      }),
    );
    expect(early.statusCode, early.body).toBe(201);
    const late = await call(admin, 'GET', '/fhir/R4/Patient?birthdate=ge9999-12-31&_summary=count');
    expect(late.json().total).toBe(1);
    const first = await call(admin, 'GET', '/fhir/R4/Observation?date=lt0001-01-02&_summary=count');
    expect(first.json().total).toBe(1);
  });
});
