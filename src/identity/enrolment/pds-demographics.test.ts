/**
 * The PDS adapter against the fake PDS over real HTTP, and the fake itself: records, unknown and
 * malformed numbers, superseded numbers, 500s, hanging, the control endpoint; CHI numbers go to
 * this service's own store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../test/databases.js';
import { storePatient } from '../../../test/support/identity/enrolment.js';
import { CHI_NUMBER_SYSTEM, NHS_NUMBER_SYSTEM } from '../../nhs/index.js';
import { loadValidationDefinitions } from '../../platform/fhir/validation/index.js';
import { DemographicsUnavailable } from './demographics.js';
import { runFakePds } from './fake-pds/cli.js';
import { FakePdsServer } from './fake-pds/server.js';
import { pdsDemographics } from './pds-demographics.js';
import { storeDemographics } from './store-demographics.js';

const nhs = (value: string) => ({ system: NHS_NUMBER_SYSTEM, value }) as const;

describe.each(databaseKinds)('PDS demographics on %s', (kind) => {
  let t: TestDatabase;
  let pds: FakePdsServer;
  beforeAll(async () => {
    loadValidationDefinitions();
    t = await createTestDatabase(kind);
    pds = new FakePdsServer();
    await pds.start();
  });
  afterAll(async () => {
    await pds?.stop();
    await t?.dispose();
  });
  const adapter = (timeoutMs = 2_000) =>
    pdsDemographics({ baseUrl: `${pds.url}/`, timeoutMs, fallback: storeDemographics(t.db) });

  it('reads a record and keeps a minimal copy to store', async () => {
    const record = await adapter().find(nhs('9000000009'));
    expect(record).toMatchObject({
      patient: 'Patient/9000000009',
      family: 'Smith',
      birthDate: '1985-02-15',
      postcode: 'LS1 4AP',
      deceased: false,
      merged: false,
    });
    expect(record?.resource?.identifier).toEqual([nhs('9000000009')]);
    expect(adapter().kind).toBe('external');
  });

  it('answers undefined for an unknown number, and merged for a superseded one', async () => {
    expect(await adapter().find(nhs('9000000068'))).toBeUndefined();
    expect((await adapter().find(nhs('9000000033')))?.merged).toBe(true);
    expect((await adapter().find(nhs('9000000025')))?.deceased).toBe(true);
    expect((await adapter().find(nhs('9000000041')))?.postcode).toBe('M1 1AE');
  });

  it('is unavailable (never "unknown") when PDS answers 500 or does not answer in time', async () => {
    pds.failNext(1);
    await expect(adapter().find(nhs('9000000009'))).rejects.toThrow(DemographicsUnavailable);
    expect((await adapter().find(nhs('9000000009')))?.family).toBe('Smith');
    pds.setMode('hang');
    try {
      const error = await adapter(150)
        .find(nhs('9000000009'))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DemographicsUnavailable);
      expect((error as Error).message).toContain('timeout');
      expect((error as Error).message).not.toContain('9000000009');
    } finally {
      pds.setMode('normal');
    }
    const down = pdsDemographics({ baseUrl: 'http://127.0.0.1:9', fallback: storeDemographics(t.db) });
    await expect(down.find(nhs('9000000009'))).rejects.toThrow(/unreachable/);
    expect(pds.requests().map((r) => r.status)).toContain(500);
  });

  it('looks CHI numbers up in the store, preferring the record not merged away', async () => {
    const chi = { system: CHI_NUMBER_SYSTEM, value: '0101850018' } as const;
    expect(await adapter().find(chi)).toBeUndefined();
    const kept = await storePatient(t.db, {
      chiNumber: '0101850018',
      family: 'Kept',
      birthDate: '1985-01-01',
      postcode: 'G1 1AA',
    });
    await storePatient(t.db, {
      chiNumber: '0101850018',
      family: 'Retired',
      birthDate: '1985-01-01',
      postcode: 'G1 1AA',
      extra: { link: [{ type: 'replaced-by', other: { reference: kept.patient } }] },
    });
    expect(await adapter().find(chi)).toMatchObject({ patient: kept.patient, family: 'Kept', merged: false });
    expect(storeDemographics(t.db).kind).toBe('local');
  });

  it('the fake answers 400 for a malformed number, 404 for other routes, and takes mode changes', async () => {
    expect((await fetch(`${pds.url}/Patient/12`)).status).toBe(400);
    expect((await fetch(`${pds.url}/Practitioner/1`)).status).toBe(404);
    const set = await fetch(`${pds.url}/_fake/mode`, {
      method: 'POST',
      body: JSON.stringify({ mode: 'error-500' }),
    });
    expect(await set.json()).toEqual({ mode: 'error-500' });
    expect((await fetch(`${pds.url}/Patient/9000000009`)).status).toBe(500);
    await fetch(`${pds.url}/_fake/mode`, { method: 'POST', body: JSON.stringify({ mode: 'normal' }) });
    const bad = await fetch(`${pds.url}/_fake/mode`, { method: 'POST', body: '{"mode":"chaos"}' });
    expect(bad.status).toBe(400);
    const found = await fetch(`${pds.url}/Patient/9000000009`);
    expect(found.headers.get('content-type')).toBe('application/fhir+json');
    pds.add({ resourceType: 'Patient', id: '9000000076', name: [{ family: 'Added' }] });
    expect((await adapter().find(nhs('9000000076')))?.family).toBe('Added');
  });
});

describe('pathways fake-pds', () => {
  it('prints the DEMOGRAPHICS_URL and its test patients, serves until stopped', async () => {
    const lines: string[] = [];
    let stop!: () => void;
    const until = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const running = runFakePds(['--port', '0'], { out: (line) => lines.push(line), until });
    await expect.poll(() => lines.some((line) => line.startsWith('DEMOGRAPHICS_URL='))).toBe(true);
    const url = lines.find((line) => line.startsWith('DEMOGRAPHICS_URL='))!.slice('DEMOGRAPHICS_URL='.length);
    expect((await fetch(`${url}/Patient/9000000009`)).status).toBe(200);
    expect(lines.join('\n')).toContain('9000000033: superseded by 9000000009');
    stop();
    expect(await running).toBe(0);
    await expect(runFakePds(['--port', 'x'])).rejects.toThrow(/--port/);
  });
});
