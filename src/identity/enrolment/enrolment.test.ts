/**
 * The whole sign-up through the real app on both databases, matched against the Patient records
 * of the FHIR store: register → verify both codes → choose MFA → complete, then sign in with the
 * account (TOTP, or a texted code) and get a token that acts as exactly that patient.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/app.js';
import { databaseKinds } from '../../../test/databases.js';
import {
  e164,
  enrol,
  login,
  newContact,
  nextTotp,
  pkce,
  post,
  recordedCode,
  redeem,
  registerAndVerify,
  registrationBody,
  storePatient,
} from '../../../test/support/identity/enrolment.js';
import { currentTotp } from '../accounts/totp.js';

describe.each(databaseKinds)('patient enrolment on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(() => t?.close());

  const app = () => t.pathways.app;
  const db = () => t.pathways.db;

  it('enrols with an authenticator app, then signs in and acts as that patient only', async () => {
    const fixture = { family: 'Núñez-Ó Briain', birthDate: '1990-07-29', postcode: 'YO1 7HH' };
    const { patient, nhsNumber } = await storePatient(db(), fixture);
    const other = await storePatient(db(), { family: 'Other', birthDate: '1970-01-01', postcode: 'LS1 4AP' });
    const contact = newContact();
    // Typed as people type: no accents, other case, the postcode without its space, the number spaced.
    const body = registrationBody({ ...fixture, nhsNumber }, contact, {
      family: 'nunez-o briain',
      postcode: 'yo17hh',
      nhsNumber: `${nhsNumber!.slice(0, 3)} ${nhsNumber!.slice(3, 6)} ${nhsNumber!.slice(6)}`,
      email: contact.email.toUpperCase(),
    });

    const started = await post(app(), '/auth/register', body, contact.ip);
    expect(started.statusCode).toBe(202);
    expect(started.headers['cache-control']).toBe('no-store');
    expect(started.json()).toEqual({ registration: expect.any(String), next: 'verify-contact' });
    const { registration } = started.json();
    const verified = await post(
      app(),
      '/auth/register/verify',
      {
        registration,
        emailCode: await recordedCode(db(), contact.email, 'verify-contact'),
        mobileCode: await recordedCode(db(), e164(contact.mobile), 'verify-contact'),
      },
      contact.ip,
    );
    expect(verified.statusCode).toBe(200);
    expect(verified.json()).toEqual({ registration, next: 'choose-mfa' });
    const chosen = await post(app(), '/auth/register/mfa', { registration, method: 'totp' }, contact.ip);
    expect(chosen.statusCode).toBe(200);
    const { totpSecret, otpauthUri } = chosen.json();
    expect(chosen.json()).toEqual({ registration, next: 'confirm-mfa', totpSecret, otpauthUri });
    expect(totpSecret).toMatch(/^[A-Z2-7]{32}$/);
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\/Pathways:.+\?.*secret=[A-Z2-7]+/);
    const completed = await post(
      app(),
      '/auth/register/complete',
      { registration, otp: currentTotp(totpSecret) },
      contact.ip,
    );
    expect(completed.statusCode).toBe(201);
    expect(completed.json()).toEqual({ username: contact.email, fhirUser: patient });
    // The registration is used up.
    const again = await post(
      app(),
      '/auth/register/complete',
      { registration, otp: nextTotp(totpSecret) },
      contact.ip,
    );
    expect(again.statusCode).toBe(400);

    const { verifier, challenge } = pkce();
    const first = await login(app(), contact.email.toUpperCase(), challenge, contact.ip);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ login: expect.any(String), mfaRequired: true, mfaMethods: ['totp'] });
    const second = await post(
      app(),
      '/auth/mfa',
      { login: first.json().login, otp: nextTotp(totpSecret) },
      contact.ip,
    );
    expect(second.statusCode).toBe(200);
    const { accessToken, claims } = await redeem(app(), second.json().code, verifier);
    expect(claims).toMatchObject({ fhirUser: patient, roles: ['patient'], amr: ['pwd', 'otp'] });

    const own = await app().inject({
      method: 'GET',
      url: `/fhir/R4/${patient}`,
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(own.statusCode).toBe(200);
    const foreign = await app().inject({
      method: 'GET',
      url: `/fhir/R4/${other.patient}`,
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(foreign.statusCode).toBe(403);

    const audit = await db().query<{ content: string }>(
      `SELECT content FROM audit_event WHERE content LIKE '%enrolment%' AND content LIKE $1`,
      [`%${patient}%`],
    );
    const details = audit.rows.map((row) => JSON.parse(row.content).outcomeDesc as string);
    expect(details).toEqual(
      expect.arrayContaining([
        'enrolment started: codes sent to the email address and mobile',
        'enrolment contact details verified',
        'enrolment mfa chosen: authenticator app',
        expect.stringMatching(/^enrolment: account:[0-9a-f-]{36} created \(role patient, mfa totp\)$/),
      ]),
    );
    const text = JSON.stringify(audit.rows);
    for (const personal of [contact.email, nhsNumber!, 'Briain', 'YO1', e164(contact.mobile)]) {
      expect(text).not.toContain(personal);
    }
  });

  it('enrols with text messages, then signs in with a texted code (CHI number)', async () => {
    const fixture = {
      chiNumber: '1502850001',
      family: 'MacLeod',
      birthDate: '1985-02-15',
      postcode: 'EH1 1YZ',
    };
    const { patient } = await storePatient(db(), fixture);
    const contact = newContact();
    const enrolled = await enrol(app(), db(), registrationBody(fixture, contact), contact, 'sms');
    expect(enrolled).toEqual({ username: contact.email, fhirUser: patient });

    const { verifier, challenge } = pkce();
    const first = await login(app(), contact.email, challenge, contact.ip);
    expect(first.json()).toMatchObject({ mfaRequired: true, mfaMethods: ['sms'] });
    const handle = first.json().login;
    const sent = await post(app(), '/auth/mfa/sms', { login: handle }, contact.ip);
    expect(sent.statusCode).toBe(202);
    expect(sent.json()).toEqual({ sent: true });
    const code = await recordedCode(db(), e164(contact.mobile), 'sign-in-code');
    const second = await post(app(), '/auth/mfa', { login: handle, otp: code }, contact.ip);
    expect(second.statusCode).toBe(200);
    const { claims } = await redeem(app(), second.json().code, verifier);
    expect(claims).toMatchObject({ fhirUser: patient, roles: ['patient'] });
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'sms']));

    // The code was for that sign-in only.
    const next = await login(app(), contact.email, pkce().challenge, contact.ip);
    const reused = await post(app(), '/auth/mfa', { login: next.json().login, otp: code }, contact.ip);
    expect(reused.statusCode).toBe(401);
  });

  it('asking for the MFA text again sends a new code and the earlier one stops working', async () => {
    const fixture = { family: 'Again', birthDate: '1979-05-05', postcode: 'M1 1AE' };
    const { nhsNumber } = await storePatient(db(), fixture);
    const contact = newContact();
    const registration = await registerAndVerify(
      app(),
      db(),
      registrationBody({ ...fixture, nhsNumber }, contact),
      contact,
    );
    await post(app(), '/auth/register/mfa', { registration, method: 'sms' }, contact.ip);
    const firstCode = await recordedCode(db(), e164(contact.mobile), 'verify-contact');
    await post(app(), '/auth/register/mfa', { registration, method: 'sms' }, contact.ip);
    const secondCode = await recordedCode(db(), e164(contact.mobile), 'verify-contact');
    if (firstCode !== secondCode) {
      const stale = await post(
        app(),
        '/auth/register/complete',
        { registration, otp: firstCode },
        contact.ip,
      );
      expect(stale.statusCode).toBe(400);
    }
    const done = await post(app(), '/auth/register/complete', { registration, otp: secondCode }, contact.ip);
    expect(done.statusCode).toBe(201);
  });
});
