/**
 * Enrolment against the outside systems it talks to, each a local fake over real HTTP: the
 * PDS-like demographics API (DEMOGRAPHICS_URL → FakePdsServer) and GOV.UK Notify
 * (NOTIFY_BASE_URL → FakeNotifyServer, reached by the real client). A patient known only to PDS
 * gets a Patient record here when the account is created; PDS or Notify failing answers 503 with
 * nothing created.
 */
import type { Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/app.js';
import { databaseKinds } from '../../../test/databases.js';
import {
  countRows,
  e164,
  login,
  newContact,
  nextTotp,
  pkce,
  post,
  redeem,
  registrationBody,
  storePatient,
} from '../../../test/support/identity/enrolment.js';
import { NHS_NUMBER_SYSTEM } from '../../nhs/index.js';
import { FakeNotifyServer } from '../../notifications/fake-notify/server.js';
import { readCurrent } from '../../platform/fhir/store/repository.js';
import { currentTotp } from '../accounts/totp.js';
import { FakePdsServer } from './fake-pds/server.js';

const JANE = { nhsNumber: '9000000009', family: 'Smith', birthDate: '1985-02-15', postcode: 'LS1 4AP' };

describe.each(databaseKinds)('enrolment with PDS and Notify on %s', (kind) => {
  let t: TestApp;
  let pds: FakePdsServer;
  let notify: FakeNotifyServer;
  beforeAll(async () => {
    pds = new FakePdsServer();
    await pds.start();
    notify = new FakeNotifyServer({ settleAfterMs: 10 });
    await notify.start();
    t = await startTestApp(kind, {
      DEMOGRAPHICS_URL: pds.url,
      // Long enough for an answering PDS on a loaded machine (at 300 ms an ordinary look-up timed
      // out into a 503 under load), short enough that the hung look-up below ends soon.
      DEMOGRAPHICS_TIMEOUT_MS: '2000',
      NOTIFY_BASE_URL: notify.url,
      NOTIFY_API_KEY: notify.apiKey,
    });
  });
  afterAll(async () => {
    await t?.close();
    await pds?.stop();
    await notify?.stop();
  });

  const app = () => t.pathways.app;
  const db = () => t.pathways.db;

  /** The code in the latest message Notify accepted for `to`. */
  function codeSentTo(to: string): string {
    const message = notify
      .messages()
      .filter((m) => m.to === to)
      .at(-1);
    expect(message, 'a message to the recipient').toBeDefined();
    return message!.personalisation.code!;
  }

  async function register(body: Record<string, unknown>, ip: string) {
    return post(app(), '/auth/register', body, ip);
  }

  async function expectGeneric(body: Record<string, unknown>, ip: string) {
    const response = await register(body, ip);
    expect(response.statusCode).toBe(400);
    expect(response.json().issue[0].diagnostics).toMatch(/^We could not match these details/);
  }

  it('enrols a patient known only to PDS: the account links to a Patient created here', async () => {
    const contact = newContact();
    const started = await register(registrationBody(JANE, contact), contact.ip);
    expect(started.statusCode).toBe(202);
    const registration = started.json().registration;
    const verified = await post(
      app(),
      '/auth/register/verify',
      { registration, emailCode: codeSentTo(contact.email), mobileCode: codeSentTo(e164(contact.mobile)) },
      contact.ip,
    );
    expect(verified.statusCode).toBe(200);
    const chosen = await post(app(), '/auth/register/mfa', { registration, method: 'totp' }, contact.ip);
    const { totpSecret } = chosen.json();
    expect(await countRows(db(), 'account')).toBe(0);
    const completed = await post(
      app(),
      '/auth/register/complete',
      { registration, otp: currentTotp(totpSecret) },
      contact.ip,
    );
    expect(completed.statusCode).toBe(201);
    const { fhirUser } = completed.json();
    expect(fhirUser).toMatch(/^Patient\/[0-9a-f-]{36}$/);
    const stored = await readCurrent(db(), 'Patient', fhirUser.slice('Patient/'.length));
    const patient = JSON.parse(stored!.content) as Patient;
    expect(patient.identifier).toEqual([{ system: NHS_NUMBER_SYSTEM, value: '9000000009' }]);
    expect(patient).toMatchObject({ birthDate: '1985-02-15', name: [{ family: 'Smith' }] });
    expect(Object.keys(patient).sort()).toEqual([
      'address',
      'birthDate',
      'gender',
      'id',
      'identifier',
      'meta',
      'name',
      'resourceType',
    ]);

    const { verifier, challenge } = pkce();
    const first = await login(app(), contact.email, challenge, contact.ip);
    const second = await post(
      app(),
      '/auth/mfa',
      { login: first.json().login, otp: nextTotp(totpSecret) },
      contact.ip,
    );
    const { claims } = await redeem(app(), second.json().code, verifier);
    expect(claims.fhirUser).toBe(fhirUser);

    // Now the record exists here and has an account: a second sign-up is refused like any other.
    await expectGeneric(registrationBody(JANE, newContact()), contact.ip);
  });

  it('refuses a superseded number, a deceased patient, an old postcode and an unknown number alike', async () => {
    const ip = newContact().ip;
    await expectGeneric(registrationBody({ ...JANE, nhsNumber: '9000000033' }, newContact()), ip);
    await expectGeneric(
      registrationBody(
        { nhsNumber: '9000000025', family: 'Taylor', birthDate: '1931-01-01', postcode: 'LS6 2QB' },
        newContact(),
      ),
      ip,
    );
    const sami = { nhsNumber: '9000000041', family: 'Ahmed', birthDate: '2003-11-30', postcode: 'BD1 1AA' };
    await expectGeneric(registrationBody(sami, newContact()), ip);
    await expectGeneric(registrationBody({ ...JANE, nhsNumber: '9000000068' }, newContact()), ip);
    expect(
      (await register(registrationBody({ ...sami, postcode: 'm1 1ae' }, newContact()), ip)).statusCode,
    ).toBe(202);
    const aoife = {
      nhsNumber: '9000000017',
      family: 'NUNEZ-O BRIAIN',
      birthDate: '1990-07-29',
      postcode: 'YO1 7HH',
    };
    expect((await register(registrationBody(aoife, newContact()), ip)).statusCode).toBe(202);
  });

  it('links to the record already here for a PDS patient, and looks CHI numbers up here', async () => {
    const local = await storePatient(db(), {
      nhsNumber: '9000000017',
      family: 'Núñez-Ó Briain',
      birthDate: '1990-07-29',
      postcode: 'YO1 7HH',
    });
    const contact = newContact();
    const started = await register(
      registrationBody(
        { nhsNumber: '9000000017', family: 'Nunez-O Briain', birthDate: '1990-07-29', postcode: 'YO17HH' },
        contact,
      ),
      contact.ip,
    );
    const registration = started.json().registration;
    await post(
      app(),
      '/auth/register/verify',
      { registration, emailCode: codeSentTo(contact.email), mobileCode: codeSentTo(e164(contact.mobile)) },
      contact.ip,
    );
    await post(app(), '/auth/register/mfa', { registration, method: 'sms' }, contact.ip);
    const completed = await post(
      app(),
      '/auth/register/complete',
      { registration, otp: codeSentTo(e164(contact.mobile)) },
      contact.ip,
    );
    expect(completed.json().fhirUser).toBe(local.patient);

    const scot = { chiNumber: '2907850008', family: 'Munro', birthDate: '1985-07-29', postcode: 'G1 1AA' };
    await storePatient(db(), scot);
    expect((await register(registrationBody(scot, newContact()), contact.ip)).statusCode).toBe(202);
  });

  it('answers 503 and creates nothing when PDS fails or hangs, or Notify fails', async () => {
    const registrations = await countRows(db(), 'registration');
    const contact = newContact();
    pds.setMode('error-500');
    try {
      const failed = await register(registrationBody(JANE, contact), contact.ip);
      expect(failed.statusCode).toBe(503);
      expect(failed.json().issue[0].details.coding[0].code).toBe('SERVICE_UNAVAILABLE');
      expect(failed.headers['retry-after']).toBe('30');
      pds.setMode('hang');
      const hung = await register(registrationBody(JANE, contact), contact.ip);
      expect(hung.statusCode).toBe(503);
    } finally {
      pds.setMode('normal');
    }
    const sami = { nhsNumber: '9000000041', family: 'Ahmed', birthDate: '2003-11-30', postcode: 'M1 1AE' };
    notify.setMode('error-500');
    try {
      const unsent = await register(registrationBody(sami, contact), contact.ip);
      expect(unsent.statusCode).toBe(503);
      expect(unsent.json().issue[0].diagnostics).toMatch(/could not send the email/);
    } finally {
      notify.setMode('normal');
    }
    expect(await countRows(db(), 'registration')).toBe(registrations);
    expect(notify.messages().filter((m) => m.to === contact.email || m.to === e164(contact.mobile))).toEqual(
      [],
    );
    const patients = await db().query(
      `SELECT 1 FROM search_token WHERE resource_type = 'Patient' AND param = 'identifier' AND value = '9000000041'`,
    );
    expect(patients.rowCount).toBe(0);
  });
});
