/**
 * Helpers for the enrolment API tests: stored Patients, the four sign-up calls and the sign-in
 * calls through the whole app (inject), and the codes the recording notifications provider kept
 * (`notification_recorded`). Each test uses its own client address, so per-IP limits of one test
 * never meet another's. Not used at run time.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Patient } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { currentTotp } from '../../../src/identity/accounts/totp.js';
import { CHI_NUMBER_SYSTEM, generateNhsNumber, NHS_NUMBER_SYSTEM } from '../../../src/nhs/index.js';
import type { Database } from '../../../src/platform/database/database.js';
import { createResource } from '../../../src/platform/fhir/store/repository.js';

let ipCounter = 0;
/** A client address no other test in this process uses. */
export function freshIp(): string {
  ipCounter++;
  return `10.${(process.pid >> 8) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

let mobileCounter = 0;
/** A mobile number from Ofcom's drama range, unique in this process. */
export function freshMobile(): string {
  mobileCounter++;
  return `07700 ${String(900000 + ((process.pid * 7 + mobileCounter) % 1000)).slice(0, 6)}`;
}

export const freshEmail = (label = 'patient'): string =>
  `${label}.${randomBytes(4).toString('hex')}@example.org`;

export const PASSWORD = 'correct horse battery';

export interface PatientFixture {
  nhsNumber?: string;
  chiNumber?: string;
  family: string;
  given?: string;
  birthDate: string;
  postcode: string;
  extra?: Partial<Patient>;
}

/** Stores a Patient (through the real FHIR store); returns `Patient/<id>` and its NHS number. */
export async function storePatient(
  db: Database,
  fixture: Omit<PatientFixture, 'nhsNumber'> & { nhsNumber?: string },
): Promise<{ patient: string; nhsNumber: string | undefined }> {
  const nhsNumber = fixture.chiNumber ? fixture.nhsNumber : (fixture.nhsNumber ?? generateNhsNumber());
  const identifier = fixture.chiNumber
    ? [{ system: CHI_NUMBER_SYSTEM, value: fixture.chiNumber }]
    : [{ system: NHS_NUMBER_SYSTEM, value: nhsNumber! }];
  const created = await db.transaction((tx) =>
    createResource(tx, {
      resourceType: 'Patient',
      identifier,
      name: [{ use: 'official', family: fixture.family, given: [fixture.given ?? 'Alex'] }],
      birthDate: fixture.birthDate,
      address: [{ use: 'home', line: ['1 Test Street'], postalCode: fixture.postcode }],
      ...fixture.extra,
    }),
  );
  return { patient: `Patient/${created.id}`, nhsNumber };
}

export interface Contact {
  email: string;
  mobile: string;
  ip: string;
}

export const newContact = (): Contact => ({ email: freshEmail(), mobile: freshMobile(), ip: freshIp() });

/** +447… as the codes are addressed. */
export const e164 = (mobile: string): string => `+44${mobile.replace(/\s/g, '').slice(1)}`;

export function post(app: FastifyInstance, url: string, payload: unknown, ip: string) {
  return app.inject({ method: 'POST', url, payload: payload as object, remoteAddress: ip });
}

/** The latest code sent to `recipient` with `template` (recording provider). */
export async function recordedCode(
  db: Database,
  recipient: string,
  template: 'verify-contact' | 'sign-in-code' | 'unlock-code',
): Promise<string> {
  const result = await db.query<{ body: string }>(
    `SELECT body FROM notification_recorded WHERE recipient = $1 AND template = $2
     ORDER BY created_at DESC LIMIT 1`,
    [recipient, template],
  );
  const body = result.rows[0]?.body;
  expect(body, `a ${template} message to the recipient`).toBeDefined();
  return /\b(\d{6})\b/.exec(body!)![1]!;
}

export async function messagesTo(db: Database, recipient: string): Promise<number> {
  const result = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM notification_recorded WHERE recipient = $1',
    [recipient],
  );
  return Number(result.rows[0]!.n);
}

export async function countRows(db: Database, table: 'registration' | 'account'): Promise<number> {
  const result = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return Number(result.rows[0]!.n);
}

export function registrationBody(
  fixture: PatientFixture,
  contact: Contact,
  extra: Record<string, unknown> = {},
) {
  return {
    ...(fixture.chiNumber ? { chiNumber: fixture.chiNumber } : { nhsNumber: fixture.nhsNumber }),
    birthDate: fixture.birthDate,
    family: fixture.family,
    postcode: fixture.postcode,
    email: contact.email,
    mobile: contact.mobile,
    password: PASSWORD,
    ...extra,
  };
}

/** Register and verify both contact details; returns the registration handle. */
export async function registerAndVerify(
  app: FastifyInstance,
  db: Database,
  body: Record<string, unknown>,
  contact: Contact,
): Promise<string> {
  const started = await post(app, '/auth/register', body, contact.ip);
  expect(started.statusCode, started.body).toBe(202);
  const registration = started.json().registration as string;
  const verified = await post(
    app,
    '/auth/register/verify',
    {
      registration,
      emailCode: await recordedCode(db, contact.email, 'verify-contact'),
      mobileCode: await recordedCode(db, e164(contact.mobile), 'verify-contact'),
    },
    contact.ip,
  );
  expect(verified.statusCode, verified.body).toBe(200);
  return registration;
}

export interface Enrolled {
  username: string;
  fhirUser: string;
  totpSecret?: string;
}

/** The whole sign-up with the chosen method; returns what the account signs in with. */
export async function enrol(
  app: FastifyInstance,
  db: Database,
  body: Record<string, unknown>,
  contact: Contact,
  method: 'totp' | 'sms',
): Promise<Enrolled> {
  const registration = await registerAndVerify(app, db, body, contact);
  const chosen = await post(app, '/auth/register/mfa', { registration, method }, contact.ip);
  expect(chosen.statusCode, chosen.body).toBe(200);
  const totpSecret = method === 'totp' ? (chosen.json().totpSecret as string) : undefined;
  const otp = totpSecret
    ? currentTotp(totpSecret)
    : await recordedCode(db, e164(contact.mobile), 'verify-contact');
  const completed = await post(app, '/auth/register/complete', { registration, otp }, contact.ip);
  expect(completed.statusCode, completed.body).toBe(201);
  return {
    ...(completed.json() as { username: string; fhirUser: string }),
    ...(totpSecret ? { totpSecret } : {}),
  };
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function login(
  app: FastifyInstance,
  username: string,
  challenge: string,
  ip: string,
  password = PASSWORD,
) {
  return post(
    app,
    '/auth/login',
    { username, password, codeChallenge: challenge, codeChallengeMethod: 'S256' },
    ip,
  );
}

/** Redeems an authorization code; returns the access token's claims and the token. */
export async function redeem(app: FastifyInstance, code: string, verifier: string) {
  const token = await app.inject({
    method: 'POST',
    url: '/oauth2/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
    }).toString(),
  });
  expect(token.statusCode, token.body).toBe(200);
  const accessToken = token.json().access_token as string;
  const claims = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString('utf8'));
  return { accessToken, claims: claims as { fhirUser?: string; roles: string[]; amr: string[] } };
}

/** A TOTP code for the next time step (the current one may just have been used). */
export const nextTotp = (secret: string): string => currentTotp(secret, new Date(Date.now() + 30_000));
