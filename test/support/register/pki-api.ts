/**
 * The PKI over HTTP, for its API tests (pki-issue.test.ts, pki-revoke.test.ts): one service per
 * database kind with a registrar and a registered Practitioner, and the calls those tests make.
 */
import type { Parameters } from '@medplum/fhirtypes';
import { afterAll, beforeAll, expect } from 'vitest';
import type { PkiService } from '../../../src/register/capability.js';
import { x509 } from '../../../src/register/pki/x509.js';
import { PKI_SERVICE } from '../../../src/register/services.js';
import { startTestApp, type TestApp } from '../../app.js';
import type { DatabaseKind } from '../../databases.js';
import { caller, freshNumber, practitionerBody, registrar } from './api.js';
import { csrPem, ecKeys } from './pki-keys.js';

export const param = (parameters: Parameters, name: string) =>
  parameters.parameter?.find((parameter) => parameter.name === name);

export interface PkiApi {
  t: TestApp;
  call: ReturnType<typeof caller>;
  asRegistrar: string;
  pki: PkiService;
  /** A Practitioner registered before the tests run. */
  practitionerId: string;
  certificateCount(): Promise<number>;
  newPractitioner(name?: string): Promise<string>;
  issue(id: string, csr: string, authorization?: string): ReturnType<ReturnType<typeof caller>>;
  /** A certificate issued (200) for a fresh P-256 key. */
  issued(id: string): Promise<{ certificate: x509.X509Certificate; der: Uint8Array; body: Parameters }>;
  revoke(
    id: string,
    serialNumber: string,
    reason: string,
    authorization?: string,
  ): ReturnType<ReturnType<typeof caller>>;
  fetchCrl(): Promise<x509.X509Crl>;
  caChain(): Promise<x509.X509Certificate[]>;
  /** The certificate check prescribing relies on, for a leaf alone at a signing time. */
  check(leafDer: Uint8Array, sigT: Date): ReturnType<PkiService['checkSigningCertificate']>;
}

/**
 * Starts the service on `kind` in beforeAll (closed in afterAll) and returns the API, whose fields
 * are set once beforeAll has run: read them inside tests only.
 */
export function usePkiApi(kind: DatabaseKind): PkiApi {
  const api = {} as PkiApi;

  api.certificateCount = async () =>
    (await api.t.pathways.db.query<{ n: number }>('SELECT count(*)::int AS n FROM pki_certificate')).rows[0]
      ?.n ?? 0;

  api.newPractitioner = async (name = 'Asha Patel') => {
    const response = await api.call(
      api.asRegistrar,
      'POST',
      '/fhir/R4/Practitioner',
      practitionerBody(freshNumber(), { name: [{ text: `Dr ${name}, "MRCGP"` }] }),
    );
    expect(response.statusCode, response.body).toBe(201);
    return response.json().id;
  };

  api.issue = (id, csr, authorization = api.asRegistrar) =>
    api.call(authorization, 'POST', `/fhir/R4/Practitioner/${id}/$issue-certificate`, {
      resourceType: 'Parameters',
      parameter: [{ name: 'csr', valueString: csr }],
    });

  api.issued = async (id) => {
    const response = await api.issue(id, await csrPem(await ecKeys()));
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as Parameters;
    const certificate = new x509.X509Certificate(param(body, 'certificate')!.valueString!);
    return { certificate, der: new Uint8Array(certificate.rawData), body };
  };

  api.revoke = (id, serialNumber, reason, authorization = api.asRegistrar) =>
    api.call(authorization, 'POST', `/fhir/R4/Practitioner/${id}/$revoke-certificate`, {
      resourceType: 'Parameters',
      parameter: [
        { name: 'serialNumber', valueString: serialNumber },
        { name: 'reason', valueCode: reason },
      ],
    });

  api.fetchCrl = async () => {
    const response = await api.t.pathways.app.inject({ method: 'GET', url: '/pki/crl' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/pkix-crl');
    return new x509.X509Crl(new Uint8Array(response.rawPayload));
  };

  api.caChain = async () => {
    const response = await api.t.pathways.app.inject({ method: 'GET', url: '/pki/ca.pem' });
    expect(response.statusCode).toBe(200);
    return [...response.body.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map(
      (match) => new x509.X509Certificate(match[0]),
    );
  };

  api.check = (leafDer, sigT) =>
    api.pki.checkSigningCertificate(api.t.pathways.db, { leafDer, chainDer: [], sigT });

  beforeAll(async () => {
    api.t = await startTestApp(kind);
    api.call = caller(api.t);
    api.asRegistrar = await registrar(api.t);
    api.pki = api.t.pathways.services.get(PKI_SERVICE);
    api.practitionerId = await api.newPractitioner();
  });
  afterAll(() => api.t?.close());
  return api;
}
