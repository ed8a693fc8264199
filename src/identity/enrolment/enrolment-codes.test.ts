/**
 * Refusals after a sign-up matched, through the real app on both databases: wrong, used and
 * expired codes, 5 failures ending a registration, an email address that is already a username,
 * and the limits on texts and on sign-ups per address.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/app.js';
import { databaseKinds } from '../../../test/databases.js';
import {
  e164,
  freshIp,
  newContact,
  post,
  recordedCode,
  registerAndVerify,
  registrationBody,
  storePatient,
} from '../../../test/support/identity/enrolment.js';
import { createAccount } from '../accounts/store.js';
import { currentTotp } from '../accounts/totp.js';

describe.each(databaseKinds)('enrolment code refusals on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(() => t?.close());

  const app = () => t.pathways.app;
  const db = () => t.pathways.db;
  const codeOf = (response: { json(): { issue: { details: { coding: { code: string }[] } }[] } }) =>
    response.json().issue[0]!.details.coding[0]!.code;

  it('refuses wrong codes alike; 5 failures end the registration even for the right codes', async () => {
    const other = await storePatient(db(), { family: 'Five', birthDate: '1960-06-06', postcode: 'M1 1AE' });
    const contact = newContact();
    const body = registrationBody(
      { family: 'Five', birthDate: '1960-06-06', postcode: 'M1 1AE', nhsNumber: other.nhsNumber },
      contact,
    );
    const started = await post(app(), '/auth/register', body, contact.ip);
    const { registration } = started.json();
    const emailCode = await recordedCode(db(), contact.email, 'verify-contact');
    const mobileCode = await recordedCode(db(), e164(contact.mobile), 'verify-contact');
    const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    const answers = [];
    answers.push(
      await post(
        app(),
        '/auth/register/verify',
        { registration, emailCode: wrong(emailCode), mobileCode },
        contact.ip,
      ),
    );
    answers.push(
      await post(
        app(),
        '/auth/register/verify',
        { registration, emailCode, mobileCode: wrong(mobileCode) },
        contact.ip,
      ),
    );
    answers.push(
      await post(
        app(),
        '/auth/register/verify',
        { registration, emailCode: 'abc', mobileCode: '1' },
        contact.ip,
      ),
    );
    answers.push(
      await post(
        app(),
        '/auth/register/verify',
        { registration: 'no-such-registration', emailCode, mobileCode },
        contact.ip,
      ),
    );
    for (const answer of answers) {
      expect(answer.statusCode).toBe(400);
      expect(answer.body).toBe(answers[0]!.body);
    }
    // Three failures so far (the unknown handle counts against nothing); two more end it.
    for (let i = 0; i < 2; i++) {
      const response = await post(
        app(),
        '/auth/register/verify',
        { registration, emailCode: wrong(emailCode), mobileCode },
        contact.ip,
      );
      expect(response.statusCode).toBe(400);
    }
    const ended = await post(
      app(),
      '/auth/register/verify',
      { registration, emailCode, mobileCode },
      contact.ip,
    );
    expect(ended.statusCode).toBe(400);
    expect(ended.body).toBe(answers[0]!.body);
    const missing = await post(app(), '/auth/register/verify', { registration }, contact.ip);
    expect(missing.json().issue[0].expression).toEqual(['emailCode']);
  });

  it('refuses expired and used codes, and a wrong or expired code at completion', async () => {
    const stored = await storePatient(db(), {
      family: 'Expiry',
      birthDate: '1999-09-09',
      postcode: 'BD1 1AA',
    });
    const fixture2 = {
      family: 'Expiry',
      birthDate: '1999-09-09',
      postcode: 'BD1 1AA',
      nhsNumber: stored.nhsNumber,
    };
    const contact = newContact();
    const started = await post(app(), '/auth/register', registrationBody(fixture2, contact), contact.ip);
    const { registration } = started.json();
    const codes = {
      registration,
      emailCode: await recordedCode(db(), contact.email, 'verify-contact'),
      mobileCode: await recordedCode(db(), e164(contact.mobile), 'verify-contact'),
    };
    await db().query(
      `UPDATE one_time_code SET expires_at = now() - interval '1 second' WHERE purpose = 'email'`,
    );
    expect((await post(app(), '/auth/register/verify', codes, contact.ip)).statusCode).toBe(400);

    const fresh = newContact();
    const handle = await registerAndVerify(app(), db(), registrationBody(fixture2, fresh), fresh);
    // Used: the same codes again (the registration has moved on) are refused.
    expect(
      (
        await post(
          app(),
          '/auth/register/verify',
          {
            registration: handle,
            emailCode: await recordedCode(db(), fresh.email, 'verify-contact'),
            mobileCode: await recordedCode(db(), e164(fresh.mobile), 'verify-contact'),
          },
          fresh.ip,
        )
      ).statusCode,
    ).toBe(400);
    // Completing before choosing a method, or choosing one that does not exist.
    expect(
      (await post(app(), '/auth/register/complete', { registration: handle, otp: '123456' }, fresh.ip))
        .statusCode,
    ).toBe(400);
    const bad = await post(
      app(),
      '/auth/register/mfa',
      { registration: handle, method: 'carrier-pigeon' },
      fresh.ip,
    );
    expect(bad.json().issue[0].expression).toEqual(['method']);

    await post(app(), '/auth/register/mfa', { registration: handle, method: 'sms' }, fresh.ip);
    const smsCode = await recordedCode(db(), e164(fresh.mobile), 'verify-contact');
    const wrongOtp = String((Number(smsCode) + 1) % 1_000_000).padStart(6, '0');
    const wrong = await post(
      app(),
      '/auth/register/complete',
      { registration: handle, otp: wrongOtp },
      fresh.ip,
    );
    expect(wrong.statusCode).toBe(400);
    await db().query(
      `UPDATE one_time_code SET expires_at = now() - interval '1 second' WHERE purpose = 'mfa'`,
    );
    const expired = await post(
      app(),
      '/auth/register/complete',
      { registration: handle, otp: smsCode },
      fresh.ip,
    );
    expect(expired.statusCode).toBe(400);
    expect(expired.body).toBe(wrong.body);
    const accounts = await db().query(`SELECT 1 FROM account WHERE username = $1`, [fresh.email]);
    expect(accounts.rowCount).toBe(0);
  });

  it('tells only the mailbox owner that the address has an account (409 after the codes)', async () => {
    const stored = await storePatient(db(), {
      family: 'Taken',
      birthDate: '1988-08-08',
      postcode: 'YO1 7HH',
    });
    const contact = newContact();
    await createAccount(db(), {
      username: contact.email,
      role: 'admin',
      secretKey: t.pathways.identity.secretKey,
    });
    const body = registrationBody(
      { family: 'Taken', birthDate: '1988-08-08', postcode: 'YO1 7HH', nhsNumber: stored.nhsNumber },
      contact,
    );
    const started = await post(app(), '/auth/register', body, contact.ip);
    expect(started.statusCode).toBe(202);
    const verified = await post(
      app(),
      '/auth/register/verify',
      {
        registration: started.json().registration,
        emailCode: await recordedCode(db(), contact.email, 'verify-contact'),
        mobileCode: await recordedCode(db(), e164(contact.mobile), 'verify-contact'),
      },
      contact.ip,
    );
    expect(verified.statusCode).toBe(409);
    expect(codeOf(verified)).toBe('CONFLICT');
  });

  it('limits texts per registration and sign-ups per address (429)', async () => {
    const stored = await storePatient(db(), {
      family: 'Limits',
      birthDate: '1966-06-16',
      postcode: 'LS1 4AP',
    });
    const contact = newContact();
    const body = registrationBody(
      { family: 'Limits', birthDate: '1966-06-16', postcode: 'LS1 4AP', nhsNumber: stored.nhsNumber },
      contact,
    );
    const registration = await registerAndVerify(app(), db(), body, contact);
    for (let i = 0; i < 3; i++) {
      expect(
        (await post(app(), '/auth/register/mfa', { registration, method: 'sms' }, contact.ip)).statusCode,
      ).toBe(200);
    }
    const fourth = await post(app(), '/auth/register/mfa', { registration, method: 'sms' }, contact.ip);
    expect(fourth.statusCode).toBe(429);
    // Switching to an app still works, and completes.
    const app2 = await post(app(), '/auth/register/mfa', { registration, method: 'totp' }, contact.ip);
    const done = await post(
      app(),
      '/auth/register/complete',
      { registration, otp: currentTotp(app2.json().totpSecret) },
      contact.ip,
    );
    expect(done.statusCode).toBe(201);

    const ip = freshIp();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await post(app(), '/auth/register', {}, ip)).statusCode);
    expect(statuses.slice(0, 10).every((status) => status === 400)).toBe(true);
    const limited = await post(app(), '/auth/register', {}, ip);
    expect(limited.statusCode).toBe(429);
    expect(codeOf(limited)).toBe('RATE_LIMITED');
    expect(limited.headers['retry-after']).toBeDefined();
  });
});
