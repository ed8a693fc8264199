/**
 * Long values and the search index (issue 17 §2): a value longer than a b-tree row allows once
 * failed its write with a 500. Identifiers, codes and references are bounded at validation (400);
 * any other long value is stored, and searching for it still matches exactly.
 */
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../../test/app.js';
import { databaseKinds } from '../../../../test/databases.js';
import { INDEX_PREFIX_LENGTH } from './long-values.js';

const FHIR = { 'content-type': 'application/fhir+json' };
// Multi-byte characters, so the length in bytes is three times the length in characters.
const LONG = `${'ü'.repeat(1_000)}${'€'.repeat(1_000)}${'x'.repeat(1_000)}`;
const TWIN = `${LONG.slice(0, 2_999)}y`;

describe.each(databaseKinds)('long values in the search index on %s', (kind) => {
  let t: TestApp;
  let admin: string;
  const call = (method: string, url: string, payload?: unknown) =>
    t.pathways.app.inject({
      method: method as 'POST',
      url,
      headers: { ...FHIR, authorization: admin },
      ...(payload ? { payload: JSON.stringify(payload) } : {}),
    });
  const ids = async (query: string) =>
    ((await call('GET', `/fhir/R4/${query}`)).json() as Bundle).entry?.map((entry) => entry.resource?.id) ??
    [];
  let long: string;
  let twin: string;

  beforeAll(async () => {
    t = await startTestApp(kind);
    admin = await t.bearer({ roles: ['admin'] });
    const patient = async (family: string, email: string) => {
      const response = await call('POST', '/fhir/R4/Patient', {
        resourceType: 'Patient',
        name: [{ family }],
        telecom: [{ system: 'email', value: email }],
      });
      expect(response.statusCode, response.body).toBe(201);
      return response.json().id as string;
    };
    long = await patient(LONG, `${LONG}@example.org`);
    twin = await patient(TWIN, `${TWIN}@example.org`);
  });
  afterAll(() => t.close());

  it('stores 3,000-character names and token values (9 KB in UTF-8)', () => {
    expect(long).toBeTruthy();
    expect(twin).toBeTruthy();
  });

  it('finds each by its whole value, and not its twin that differs past the kept prefix', async () => {
    const q = encodeURIComponent;
    expect(await ids(`Patient?family:exact=${q(LONG)}`)).toEqual([long]);
    expect(await ids(`Patient?family:exact=${q(TWIN)}`)).toEqual([twin]);
    expect(await ids(`Patient?family=${q(LONG)}`)).toEqual([long]);
    expect(await ids(`Patient?email=${q(`${LONG}@example.org`)}`)).toEqual([long]);
    expect(await ids(`Patient?email=${q(`${TWIN}@example.org`)},${q('nobody@example.org')}`)).toEqual([twin]);
    expect(await ids(`Patient?email=${q(`${LONG}@example.org`.slice(0, INDEX_PREFIX_LENGTH))}`)).toEqual([]);
  });

  it('matches prefixes shorter and longer than the kept one, and text anywhere in the value', async () => {
    const q = encodeURIComponent;
    expect((await ids(`Patient?family=${q(LONG.slice(0, 100))}`)).sort()).toEqual([long, twin].sort());
    expect((await ids(`Patient?family=${q(LONG.slice(0, 2_500))}`)).sort()).toEqual([long, twin].sort());
    expect(await ids(`Patient?family=${q(`${LONG.slice(0, 2_500)}z`)}`)).toEqual([]);
    // Past the kept prefix: only the whole value has them.
    expect(await ids(`Patient?family:contains=${q('xy')}`)).toEqual([twin]);
    expect((await ids(`Patient?family:contains=${q('€x')}`)).sort()).toEqual([long, twin].sort());
  });

  it('bounds identifiers, codes and references at validation with a 400 naming the element', async () => {
    for (const [resource, expression] of [
      [
        { resourceType: 'Patient', identifier: [{ system: 'urn:x', value: LONG }] },
        'Patient.identifier[0].value',
      ],
      [
        { resourceType: 'Patient', identifier: [{ system: `urn:${'x'.repeat(300)}`, value: '1' }] },
        'Patient.identifier[0].system',
      ],
      [
        {
          resourceType: 'Observation',
          status: 'final',
          code: { coding: [{ system: 'urn:x', code: LONG }] },
        },
        'Observation.code.coding[0].code',
      ],
      [
        {
          resourceType: 'Consent',
          status: 'active',
          scope: { text: 'x' },
          category: [{ text: 'x' }],
          patient: { reference: `Patient/${LONG}` },
        },
        'Consent.patient.reference',
      ],
    ] as const) {
      const response = await call('POST', `/fhir/R4/${resource.resourceType}`, resource);
      expect(response.statusCode, response.body).toBe(400);
      const issue = (response.json() as OperationOutcome).issue[0]!;
      expect(issue.expression).toEqual([expression]);
      expect(issue.diagnostics).toMatch(/longer than (256|1024) characters/);
    }
  });

  it('stores and finds a reference longer than the kept prefix but within the bound', async () => {
    const reference = `https://elsewhere.example/fhir/Patient/${'a'.repeat(900)}`;
    const created = await call('POST', '/fhir/R4/Observation', {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'x' },
      subject: { reference },
    });
    expect(created.statusCode, created.body).toBe(201);
    const other = await call('POST', '/fhir/R4/Observation', {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'x' },
      subject: { reference: `${reference.slice(0, -1)}b` },
    });
    expect(other.statusCode, other.body).toBe(201);
    expect(await ids(`Observation?subject=${encodeURIComponent(reference)}`)).toEqual([created.json().id]);
  });
});
