/**
 * Property: no search value is ever answered with a 5xx (issue 17 §2), for every search
 * parameter type (token, reference, date, string, uri, and the control parameters), with and
 * without modifiers, as staff and as a patient, on both databases. One app per database.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../../test/app.js';
import { databaseKinds } from '../../../../test/databases.js';
import { RESOURCE_TYPES } from '../resource-types.js';
import { type IndexedParamType, indexedParams } from './definitions.js';

const RUNS = 40;

/** Task and Communication have searches of their own (the tracker, a recipient's messages). */
const GENERIC = RESOURCE_TYPES.filter((type) => type !== 'Task' && type !== 'Communication');

function parametersOf(kind: IndexedParamType): Array<{ type: string; name: string }> {
  return GENERIC.flatMap((type) =>
    [...indexedParams(type).values()]
      .filter((parameter) => parameter.type === kind)
      .map((parameter) => ({ type, name: parameter.code })),
  );
}

const MODIFIERS: Record<IndexedParamType, string[]> = {
  token: ['', ':not', ':missing', ':text', ':exact'],
  reference: ['', ':identifier', ':missing', ':Patient', ':Organization'],
  date: ['', ':missing'],
  string: ['', ':exact', ':contains', ':missing'],
  uri: ['', ':below', ':missing'],
};

/** Values of every sort: any text, dates with prefixes near the calendar's ends, escapes, edges. */
const values: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }).map(encodeURIComponent),
  fc
    .tuple(
      fc.constantFrom('', 'eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap', 'zz'),
      fc
        .oneof(fc.integer({ min: 0, max: 10_000 }), fc.constantFrom(0, 1, 9999))
        .map((year) => String(year).padStart(4, '0')),
      fc.constantFrom(
        '',
        '-01',
        '-12-31',
        '-02-30',
        '-01-01T00:00',
        '-12-31T23:59:59Z',
        '-01-01T00:00:00%2B14:00',
      ),
    )
    .map((parts) => parts.join('')),
  fc.constantFrom(
    '',
    '%ED%A0%80',
    '%00',
    'a,b,,c',
    '%5C',
    'x%7C',
    '%7Cx',
    'Patient%2F',
    'Patient/a/_history/1',
    'http://x/Patient/1',
    'true',
    'x'.repeat(3_000),
    encodeURIComponent('é'.repeat(300)),
  ),
);

const CONTROLS = [
  '_id',
  '_lastUpdated',
  '_count',
  '_offset',
  '_sort',
  '_summary',
  '_total',
  '_include',
  '_revinclude',
  '_elements',
];

describe.each(databaseKinds)('no search answers 5xx, on %s', (kind) => {
  let t: TestApp;
  let callers: string[];

  beforeAll(async () => {
    t = await startTestApp(kind, { RATE_LIMIT_PER_MINUTE: '10000000' });
    callers = [
      await t.bearer({ roles: ['admin'] }),
      await t.bearer({ roles: ['clinician'], fhirUser: 'Practitioner/never-5xx', org: 'RR8' }),
      await t.bearer({ roles: ['patient'], fhirUser: 'Patient/never-5xx' }),
    ];
    // Something to find, so that matches, includes and sorting run too.
    await t.pathways.app.inject({
      method: 'POST',
      url: '/fhir/R4/Patient',
      headers: { authorization: callers[0]!, 'content-type': 'application/fhir+json' },
      payload: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Search' }], birthDate: '1970' }),
    });
  });
  afterAll(() => t.close());

  const search = async (url: string) => {
    for (const authorization of callers) {
      const response = await t.pathways.app.inject({ method: 'GET', url, headers: { authorization } });
      expect(response.statusCode, `${url}: ${response.body}`).toBeLessThan(500);
    }
  };

  it.each([
    'token',
    'reference',
    'date',
    'string',
    'uri',
  ] as const)('answers any value of a %s parameter with a 2xx or 4xx', async (type) => {
    const parameters = parametersOf(type);
    expect(parameters.length).toBeGreaterThan(0);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...parameters),
        fc.constantFrom(...MODIFIERS[type]),
        values,
        async ({ type: resourceType, name }, modifier, value) => {
          await search(`/fhir/R4/${resourceType}?${name}${modifier}=${value}`);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('answers any value of a control parameter, and repeated ones, with a 2xx or 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...GENERIC),
        fc.array(fc.tuple(fc.constantFrom(...CONTROLS), values), { minLength: 1, maxLength: 3 }),
        async (resourceType, pairs) => {
          await search(
            `/fhir/R4/${resourceType}?${pairs.map(([name, value]) => `${name}=${value}`).join('&')}`,
          );
        },
      ),
      { numRuns: RUNS },
    );
  });
});
