/** Helpers for the register's API tests: calls as a registrar and the resources they write. */
import type { Practitioner, PractitionerRole } from '@medplum/fhirtypes';
import type { TestApp } from '../../test/app.js';
import { GMC_NUMBER, ODS_SYSTEM, PRESCRIBING_RIGHT_SYSTEM } from './systems.js';

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
