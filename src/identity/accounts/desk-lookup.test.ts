/**
 * The service desk finds a patient's account by email address or NHS number and sees who the
 * caller should be (name, date of birth, NHS number), with that read audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../test/databases.js';
import { buildHarness, desk, type Harness } from '../../../test/support/identity/signin.js';
import { CHI_NUMBER_SYSTEM, generateNhsNumber, NHS_NUMBER_SYSTEM } from '../../nhs/index.js';
import { createResource } from '../../platform/fhir/store/repository.js';
import { deskPatient, nhsNumberOf } from './desk-patient.js';
import { createAccount } from './store.js';

describe('what the desk shows of a patient record', () => {
  it('is the current usual or official name, the date of birth and the NHS number, nothing else', () => {
    expect(
      deskPatient({
        resourceType: 'Patient',
        identifier: [
          { system: CHI_NUMBER_SYSTEM, value: '0101010000' },
          { system: NHS_NUMBER_SYSTEM, value: '9449306060' },
        ],
        name: [
          { use: 'old', family: 'Smith', given: ['Alex'] },
          { use: 'official', family: 'Hughes', given: ['Alexandra', 'Jane'] },
          { use: 'usual', family: 'Hughes', given: ['Alex'] },
        ],
        birthDate: '1968-04-17',
        telecom: [{ system: 'phone', value: '07700900123' }],
      }),
    ).toEqual({ name: 'Alex Hughes', birthDate: '1968-04-17', nhsNumber: '9449306060' });
    expect(deskPatient({ resourceType: 'Patient' })).toEqual({
      name: null,
      birthDate: null,
      nhsNumber: null,
    });
    expect(nhsNumberOf('944 930 6060')).toBe('9449306060');
    expect(nhsNumberOf('944-930-606')).toBeUndefined();
  });
});

describe.each(databaseKinds)('service desk look-up by email or NHS number on %s', (kind) => {
  let t: TestDatabase;
  let h: Harness;
  let nhsNumber: string;
  let patientId: string;
  let username: string;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    h = await buildHarness(t.db);
    nhsNumber = generateNhsNumber();
    const patient = await t.db.transaction((tx) =>
      createResource(tx, {
        resourceType: 'Patient',
        identifier: [{ system: NHS_NUMBER_SYSTEM, value: nhsNumber }],
        name: [{ use: 'official', family: 'Okafor', given: ['Sam'] }],
        birthDate: '1992-11-03',
      }),
    );
    patientId = patient.id;
    username = `sam.${kind}@example.org`;
    await createAccount(t.db, {
      username,
      role: 'patient',
      fhirUser: `Patient/${patientId}`,
      secretKey: h.secretKey,
    });
  });
  afterAll(async () => {
    await h?.close();
    await t?.dispose();
  });

  const found = async (query: string) => {
    const response = await desk(h, 'GET', `/admin/accounts?${query}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json().accounts as Array<Record<string, unknown>>;
  };

  it('finds the account by NHS number (spaces allowed) and by email in any case, with name and date of birth', async () => {
    const expected = {
      username,
      role: 'patient',
      fhirUser: `Patient/${patientId}`,
      patient: { name: 'Sam Okafor', birthDate: '1992-11-03', nhsNumber },
    };
    const spaced = `${nhsNumber.slice(0, 3)} ${nhsNumber.slice(3, 6)} ${nhsNumber.slice(6)}`;
    expect(await found(`nhsNumber=${encodeURIComponent(spaced)}`)).toEqual([
      expect.objectContaining(expected),
    ]);
    expect(await found(`username=${encodeURIComponent(username.toUpperCase())}`)).toEqual([
      expect.objectContaining(expected),
    ]);
    const audited = await t.db.query<{ content: string }>(
      `SELECT content FROM audit_event WHERE content LIKE $1 AND content LIKE '%service desk account look-up%'`,
      [`%Patient/${patientId}%`],
    );
    expect(audited.rows.length).toBeGreaterThanOrEqual(2);
  });

  it('finds nothing for an NHS number without an account, and refuses one that is not an NHS number', async () => {
    let other = generateNhsNumber();
    while (other === nhsNumber) other = generateNhsNumber();
    expect(await found(`nhsNumber=${other}`)).toEqual([]);
    const wrongCheckDigit = `${nhsNumber.slice(0, 9)}${(Number(nhsNumber[9]) + 1) % 10}`;
    for (const bad of [wrongCheckDigit, '12345', 'Patient/1234']) {
      const response = await desk(h, 'GET', `/admin/accounts?nhsNumber=${encodeURIComponent(bad)}`);
      expect(response.statusCode, bad).toBe(400);
      expect(response.json().issue[0].diagnostics).toContain('nhsNumber must be an NHS number');
    }
    const both = await desk(h, 'GET', `/admin/accounts?nhsNumber=${nhsNumber}&username=${username}`);
    expect(both.statusCode).toBe(400);
    expect(
      (await h.app.inject({ method: 'GET', url: `/admin/accounts?nhsNumber=${nhsNumber}` })).statusCode,
    ).toBe(401);
    expect((await desk(h, 'GET', `/admin/accounts?nhsNumber=${nhsNumber}`, 'patient')).statusCode).toBe(403);
  });
});
