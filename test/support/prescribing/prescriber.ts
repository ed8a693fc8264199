/**
 * A registered prescriber for API tests, set up the way a supplier does it: the registrar
 * registers the Practitioner and a PractitionerRole with rights, the prescriber's system makes a
 * key and a CSR, the registrar issues the certificate; the prescriber then signs with that key.
 */
import 'reflect-metadata';
import { randomUUID, type webcrypto } from 'node:crypto';
import type { Bundle, Parameters } from '@medplum/fhirtypes';
import * as x509 from '@peculiar/x509';
import { ODS_SYSTEM } from '../../../src/nhs/index.js';
import { type OrderBundleInput, orderBundle } from '../../../src/prescribing/examples/order-bundle.js';
import { signPrescription } from '../../../src/signing/index.js';
import type { TestApp } from '../../app.js';
import { csrPem, ecKeys } from '../register/pki-keys.js';

export const RIGHT_SYSTEM = 'https://fhir.pathways.dev/CodeSystem/prescribing-right';

export interface TestPrescriber {
  practitionerId: string;
  roleId: string;
  gmc: string;
  ods: string;
  keys: webcrypto.CryptoKeyPair;
  certificatePem: string;
  serialNumber: string;
  /** Authorization header for this prescriber (fresh MFA). */
  bearer(): Promise<string>;
  /** A new prescription-order for this prescriber, signed now (or at `sigT`). */
  signedOrder(input?: OrderBundleInput & { sigT?: Date }): Promise<Bundle>;
  sign(bundle: Bundle, sigT?: Date): Promise<Bundle>;
}

export async function registrarBearer(app: TestApp): Promise<string> {
  return app.bearer({ roles: ['registrar'], fhirUser: 'Practitioner/test-registrar' });
}

async function call(app: TestApp, method: 'POST' | 'PUT', url: string, body: unknown, authorization: string) {
  const response = await app.pathways.app.inject({
    method,
    url,
    headers: { authorization, 'content-type': 'application/fhir+json' },
    payload: JSON.stringify(body),
  });
  if (response.statusCode >= 300)
    throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`);
  return response.json();
}

export async function registerPrescriber(
  app: TestApp,
  options: { ods?: string; rights?: string[]; roleStart?: string; name?: string } = {},
): Promise<TestPrescriber> {
  const ods = options.ods ?? 'A83008';
  const registrar = await registrarBearer(app);
  const gmc = String(7_000_000 + Math.floor(Math.random() * 2_999_999));
  const practitioner = await call(
    app,
    'POST',
    '/fhir/R4/Practitioner',
    {
      resourceType: 'Practitioner',
      identifier: [{ system: 'https://fhir.hl7.org.uk/Id/gmc-number', value: gmc }],
      name: [{ family: options.name ?? 'Tester', given: ['Pat'], prefix: ['Dr'] }],
    },
    registrar,
  );
  const role = await call(
    app,
    'POST',
    '/fhir/R4/PractitionerRole',
    {
      resourceType: 'PractitionerRole',
      active: true,
      period: { start: options.roleStart ?? '2020-01-01T00:00:00Z' },
      practitioner: { reference: `Practitioner/${practitioner.id}` },
      organization: { identifier: { system: ODS_SYSTEM, value: ods } },
      code: (options.rights ?? ['independent']).map((code) => ({ coding: [{ system: RIGHT_SYSTEM, code }] })),
    },
    registrar,
  );
  const keys = await ecKeys();
  const csr = await csrPem(keys, `CN=Dr Pat Tester ${randomUUID().slice(0, 8)}`);
  const issued = (await call(
    app,
    'POST',
    `/fhir/R4/Practitioner/${practitioner.id}/$issue-certificate`,
    { resourceType: 'Parameters', parameter: [{ name: 'csr', valueString: csr }] },
    registrar,
  )) as Parameters;
  const certificatePem =
    issued.parameter?.find((parameter) => parameter.name === 'certificate')?.valueString ?? '';
  const serialNumber = new x509.X509Certificate(certificatePem).serialNumber;
  const sign = (bundle: Bundle, sigT?: Date) =>
    signPrescription(bundle, {
      privateKey: keys.privateKey,
      certificate: certificatePem,
      ...(sigT ? { sigT } : {}),
    });
  return {
    practitionerId: practitioner.id,
    roleId: role.id,
    gmc,
    ods,
    keys,
    certificatePem,
    serialNumber,
    bearer: () =>
      app.bearer({ roles: ['prescriber'], fhirUser: `Practitioner/${practitioner.id}`, org: ods }),
    sign,
    signedOrder: async (input = {}) => {
      const { sigT, ...rest } = input;
      return sign(
        orderBundle({
          ods,
          practitionerIdentifiers: [{ system: 'https://fhir.hl7.org.uk/Id/gmc-number', value: gmc }],
          ...rest,
        }),
        sigT,
      );
    },
  };
}

/** POST /fhir/R4/$process-message as the given caller. */
export async function processMessage(app: TestApp, bundle: unknown, authorization: string) {
  return app.pathways.app.inject({
    method: 'POST',
    url: '/fhir/R4/$process-message',
    headers: { authorization, 'content-type': 'application/fhir+json' },
    payload: JSON.stringify(bundle),
  });
}
