/**
 * No personal data in the logs: the whole service at debug level with its log output captured,
 * through a sign-up against the fake PDS (with a refusal, a malformed request and PDS failing),
 * completion, and an SMS sign-in. Nothing a person typed or was sent may appear in any line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PUBLIC_URL } from '../../../test/app.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../test/databases.js';
import {
  e164,
  login,
  newContact,
  PASSWORD,
  pkce,
  post,
  recordedCode,
  registrationBody,
} from '../../../test/support/identity/enrolment.js';
import { buildPathways, type Pathways } from '../../app.js';
import { loadConfig } from '../../platform/config/config.js';
import { createLogger } from '../../platform/logging/logger.js';
import { FakePdsServer } from './fake-pds/server.js';

describe.each(databaseKinds)('enrolment logs on %s', (kind) => {
  let database: TestDatabase;
  let pathways: Pathways;
  let pds: FakePdsServer;
  const lines: string[] = [];
  beforeAll(async () => {
    pds = new FakePdsServer();
    await pds.start();
    database = await createTestDatabase(kind);
    await database.db.close();
    const env: Record<string, string> = {
      DATA_DIR: database.dataDir,
      ...(database.url ? { DATABASE_URL: database.url } : {}),
      PUBLIC_URL: TEST_PUBLIC_URL,
      LOG_LEVEL: 'debug',
      MLLP_PORT: '0',
      MAX_EVENT_LOOP_DELAY_MS: '0',
      DEMOGRAPHICS_URL: pds.url,
    };
    const log = createLogger({ level: 'debug', destination: { write: (line: string) => lines.push(line) } });
    pathways = await buildPathways(loadConfig(env), log, env);
  });
  afterAll(async () => {
    await pathways?.stop();
    await database?.dispose();
    await pds?.stop();
  });

  it('logs requests and failures without names, numbers, addresses, contacts, passwords or codes', async () => {
    const app = pathways.app;
    const db = pathways.db;
    const jane = { nhsNumber: '9000000009', family: 'Smith', birthDate: '1985-02-15', postcode: 'LS1 4AP' };
    const contact = newContact();
    const sent: string[] = [];

    expect(
      (
        await post(
          app,
          '/auth/register',
          { ...registrationBody(jane, contact), mobile: '0113 496 0000' },
          contact.ip,
        )
      ).statusCode,
    ).toBe(400);
    expect(
      (
        await post(
          app,
          '/auth/register',
          registrationBody({ ...jane, postcode: 'LS6 2QB' }, contact),
          contact.ip,
        )
      ).statusCode,
    ).toBe(400);
    pds.setMode('error-500');
    expect((await post(app, '/auth/register', registrationBody(jane, contact), contact.ip)).statusCode).toBe(
      503,
    );
    pds.setMode('normal');

    const started = await post(app, '/auth/register', registrationBody(jane, contact), contact.ip);
    const registration = started.json().registration;
    const emailCode = await recordedCode(db, contact.email, 'verify-contact');
    const mobileCode = await recordedCode(db, e164(contact.mobile), 'verify-contact');
    sent.push(emailCode, mobileCode, registration);
    await post(app, '/auth/register/verify', { registration, emailCode: '000000', mobileCode }, contact.ip);
    await post(app, '/auth/register/verify', { registration, emailCode, mobileCode }, contact.ip);
    await post(app, '/auth/register/mfa', { registration, method: 'sms' }, contact.ip);
    const mfaCode = await recordedCode(db, e164(contact.mobile), 'verify-contact');
    sent.push(mfaCode);
    const completed = await post(app, '/auth/register/complete', { registration, otp: mfaCode }, contact.ip);
    expect(completed.statusCode).toBe(201);

    const first = await login(app, contact.email, pkce().challenge, contact.ip);
    const handle = first.json().login;
    await post(app, '/auth/mfa/sms', { login: handle }, contact.ip);
    const signInCode = await recordedCode(db, e164(contact.mobile), 'sign-in-code');
    sent.push(signInCode, handle);
    await post(
      app,
      '/auth/mfa',
      { login: handle, otp: '999999' === signInCode ? '999998' : '999999' },
      contact.ip,
    );
    expect((await post(app, '/auth/mfa', { login: handle, otp: signInCode }, contact.ip)).statusCode).toBe(
      200,
    );

    const text = lines.join('');
    expect(text).toContain('/auth/register/complete');
    expect(text).toContain('SERVICE_UNAVAILABLE');
    const mobileDigits = contact.mobile.replace(/\s/g, '');
    const personal = [
      jane.nhsNumber,
      jane.family,
      'Jane',
      jane.birthDate,
      jane.postcode,
      'LS14AP',
      contact.email,
      contact.email.split('@')[0]!,
      mobileDigits,
      mobileDigits.slice(1),
      e164(contact.mobile),
      PASSWORD,
    ];
    for (const value of personal) expect(text, value).not.toContain(value);
    for (const value of sent)
      expect(text, 'a code or handle').not.toMatch(new RegExp(`(?<![0-9A-Za-z_-])${value}(?![0-9A-Za-z_-])`));
  });
});
