/**
 * A prescriber registered the way a supplier does it, through the running service (as
 * test/support/prescribing/prescriber.ts does in-process for the API tests): a registrar, signed in
 * with MFA, registers the Practitioner and a PractitionerRole with the `independent` right at the
 * organisation; the prescriber's system makes a P-256 key and a CSR, and the registrar issues the
 * certificate. The prescriber is then a user (`pathways user add --fhir-user Practitioner/<id>`)
 * who signs in through the real flow, so its token carries that fhirUser.
 */
import 'reflect-metadata';
import { randomUUID, type webcrypto } from 'node:crypto';
import type { Parameters } from '@medplum/fhirtypes';
import { csrPem, ecKeys } from '../../test/support/register/pki-keys.js';
import { addUser, UserSession } from '../harness/auth.js';
import { ODS_SYSTEM } from '../../src/nhs/index.js';

export const GMC_SYSTEM = 'https://fhir.hl7.org.uk/Id/gmc-number';
const RIGHT_SYSTEM = 'https://fhir.pathways.dev/CodeSystem/prescribing-right';

export interface BenchPrescriber {
  practitionerId: string;
  gmc: string;
  ods: string;
  privateKey: webcrypto.CryptoKey;
  certificatePem: string;
  /** Signed in as the prescriber user; `refresh()` for a new access token. */
  session: UserSession;
}

async function post(baseUrl: string, url: string, body: unknown, token: string): Promise<{ id?: string }> {
  const response = await fetch(`${baseUrl}/fhir/R4${url}`, {
    method: 'POST',
    signal: AbortSignal.timeout(30_000),
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`POST ${url}: ${response.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as { id?: string };
}

/**
 * `env` is the service's environment (for `pathways user add`, which on PostgreSQL works while
 * the server runs). A unique GMC number per call, so several prescribers can coexist.
 */
export async function registerPrescriber(
  baseUrl: string,
  env: Record<string, string>,
  options: { ods?: string; registrar: UserSession; index?: number },
): Promise<BenchPrescriber> {
  const ods = options.ods ?? 'A83008';
  const registrar = options.registrar.token;
  const gmc = String(7_000_000 + (options.index ?? 0) * 7 + Math.floor(Math.random() * 7));
  const practitioner = await post(
    baseUrl,
    '/Practitioner',
    {
      resourceType: 'Practitioner',
      identifier: [{ system: GMC_SYSTEM, value: gmc }],
      name: [{ family: 'Bench', given: ['Pat'], prefix: ['Dr'] }],
    },
    registrar,
  );
  const practitionerId = practitioner.id!;
  await post(
    baseUrl,
    '/PractitionerRole',
    {
      resourceType: 'PractitionerRole',
      active: true,
      period: { start: '2020-01-01T00:00:00Z' },
      practitioner: { reference: `Practitioner/${practitionerId}` },
      organization: { identifier: { system: ODS_SYSTEM, value: ods } },
      code: [{ coding: [{ system: RIGHT_SYSTEM, code: 'independent' }] }],
    },
    registrar,
  );
  const keys = await ecKeys();
  const csr = await csrPem(keys, `CN=Dr Pat Bench ${randomUUID().slice(0, 8)}`);
  const issued = (await post(
    baseUrl,
    `/Practitioner/${practitionerId}/$issue-certificate`,
    { resourceType: 'Parameters', parameter: [{ name: 'csr', valueString: csr }] },
    registrar,
  )) as Parameters;
  const certificatePem = issued.parameter?.find((p) => p.name === 'certificate')?.valueString;
  if (!certificatePem) throw new Error('$issue-certificate returned no certificate');
  const user = addUser(env, {
    username: `bench-prescriber-${randomUUID().slice(0, 8)}`,
    role: 'prescriber',
    fhirUser: `Practitioner/${practitionerId}`,
    org: ods,
  });
  const session = await UserSession.signIn(baseUrl, user);
  return { practitionerId, gmc, ods, privateKey: keys.privateKey, certificatePem, session };
}

/** A registrar user, signed in with MFA (register writes need step-up). */
export async function signInRegistrar(baseUrl: string, env: Record<string, string>): Promise<UserSession> {
  const user = addUser(env, {
    username: `bench-registrar-${randomUUID().slice(0, 8)}`,
    role: 'registrar',
    fhirUser: 'Practitioner/bench-registrar',
  });
  return UserSession.signIn(baseUrl, user);
}
