/** Helpers for the register's API tests: calls as a registrar and the resources they write. */
import type { Practitioner, PractitionerRole } from '@medplum/fhirtypes';
import { afterAll, beforeAll, expect } from 'vitest';
import { GMC_NUMBER, ODS_SYSTEM, PRESCRIBING_RIGHT_SYSTEM } from '../../../src/register/systems.js';
import { startTestApp, type TestApp } from '../../app.js';
import type { DatabaseKind } from '../../databases.js';

export const FHIR_JSON = { 'content-type': 'application/fhir+json' };

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export function caller(t: TestApp) {
  return (authorization: string | undefined, method: Method, url: string, payload?: unknown) =>
    t.pathways.app.inject({
      method,
      url,
      headers: { ...(payload === undefined ? {} : FHIR_JSON), ...(authorization ? { authorization } : {}) },
      ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
    });
}

export const registrar = (t: TestApp) =>
  t.bearer({ roles: ['registrar'], fhirUser: 'Practitioner/test-registrar' });

let counter = 0;
/** A GMC-style number no other test in this process uses. */
export function freshNumber(): string {
  counter += 1;
  return String(
    5_000_000 + ((process.pid * 97 + counter * 7919 + Math.floor(Math.random() * 1000)) % 4_999_999),
  );
}

export function practitionerBody(gmc: string, extra: Partial<Practitioner> = {}): Practitioner {
  return {
    resourceType: 'Practitioner',
    identifier: [{ system: GMC_NUMBER, value: gmc }],
    name: [{ prefix: ['Dr'], given: ['Sam'], family: 'Example' }],
    ...extra,
  };
}

export function roleBody(
  practitionerId: string,
  rights: string[] = ['independent'],
  extra: Partial<PractitionerRole> = {},
  ods = 'A83008',
): PractitionerRole {
  return {
    resourceType: 'PractitionerRole',
    active: true,
    practitioner: { reference: `Practitioner/${practitionerId}` },
    organization: { identifier: { system: ODS_SYSTEM, value: ods } },
    ...(rights.length > 0
      ? { code: [{ coding: rights.map((code) => ({ system: PRESCRIBING_RIGHT_SYSTEM, code })) }] }
      : {}),
    ...extra,
  };
}

export const codeOf = (response: { json(): unknown }) =>
  (response.json() as { issue?: Array<{ details?: { coding?: Array<{ code?: string }> } }> }).issue?.[0]
    ?.details?.coding?.[0]?.code;

export interface RegisterHarness {
  readonly t: TestApp;
  readonly call: ReturnType<typeof caller>;
  /** A registrar's bearer token (with a recent one-time code). */
  readonly asRegistrar: string;
  /** Stored resources of a type, to show a refused write stored nothing. */
  count(type: string): Promise<number>;
  /** A practitioner registered by the registrar (201 checked). */
  createPractitioner(gmc?: string, extra?: Partial<Practitioner>): Promise<Practitioner>;
}

/** The app for a describe block of register API tests; call inside the `describe`. */
export function registerHarness(kind: DatabaseKind): RegisterHarness {
  let app: TestApp | undefined;
  let call: ReturnType<typeof caller> | undefined;
  let asRegistrar: string | undefined;
  const ready = () => {
    if (!app || !call || asRegistrar === undefined) throw new Error('the register test app is not started');
    return { app, call, asRegistrar };
  };
  beforeAll(async () => {
    app = await startTestApp(kind);
    call = caller(app);
    asRegistrar = await registrar(app);
  });
  afterAll(() => app?.close());
  return {
    get t() {
      return ready().app;
    },
    get call() {
      return ready().call;
    },
    get asRegistrar() {
      return ready().asRegistrar;
    },
    async count(type) {
      const result = await ready().app.pathways.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM fhir_resource WHERE resource_type = $1',
        [type],
      );
      return result.rows[0]?.n ?? 0;
    },
    async createPractitioner(gmc = freshNumber(), extra = {}) {
      const { call, asRegistrar } = ready();
      const response = await call(asRegistrar, 'POST', '/fhir/R4/Practitioner', practitionerBody(gmc, extra));
      expect(response.statusCode, response.body).toBe(201);
      return response.json() as Practitioner;
    },
  };
}
