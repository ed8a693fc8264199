/**
 * Cache-Control on what the service answers (docs/api.md §3): every authenticated response —
 * FHIR reads and searches, errors, the service desk's /admin API, the sign-in and token JSON,
 * the portal's operations — is `no-store` with `Pragma: no-cache`; public files that are meant to
 * be cached keep their own policy.
 */
import type { Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/app.js';
import { databaseKinds } from '../../../test/databases.js';

describe.each(databaseKinds)('Cache-Control on %s', (kind) => {
  let t: TestApp;
  let admin: string;
  let patient: Patient;

  const call = (method: 'GET' | 'POST', url: string, authorization?: string, payload?: object) =>
    t.pathways.app.inject({
      method,
      url,
      headers: {
        ...(authorization ? { authorization } : {}),
        ...(payload ? { 'content-type': 'application/json' } : {}),
      },
      ...(payload ? { payload } : {}),
    });

  beforeAll(async () => {
    t = await startTestApp(kind);
    admin = await t.bearer({ roles: ['admin'] });
    const created = await t.pathways.app.inject({
      method: 'POST',
      url: '/fhir/R4/Patient',
      headers: { authorization: admin, 'content-type': 'application/fhir+json' },
      payload: { resourceType: 'Patient', name: [{ family: 'Cached' }] },
    });
    patient = created.json();
  });
  afterAll(() => t?.close());

  it('marks FHIR reads, searches and their errors no-store', async () => {
    const desk = await t.bearer({ roles: ['service-desk'] });
    const registrar = await t.bearer({ roles: ['registrar'] });
    const responses = {
      read: await call('GET', `/fhir/R4/Patient/${patient.id}`, admin),
      search: await call('GET', '/fhir/R4/Patient?family=Cached', admin),
      'not found': await call('GET', '/fhir/R4/Patient/no-such-patient', admin),
      'no token': await call('GET', `/fhir/R4/Patient/${patient.id}`),
      'wrong role': await call('POST', '/fhir/R4/Organization', desk, { resourceType: 'Organization' }),
      'bad search': await call('GET', '/fhir/R4/Patient?no-such-param=1', registrar),
      'no route': await call('GET', '/fhir/R4/Patient/x/y/z', admin),
    };
    expect(responses.read.statusCode).toBe(200);
    expect(responses['wrong role'].statusCode).toBe(403);
    for (const [name, response] of Object.entries(responses)) {
      expect(response.headers['cache-control'], name).toBe('no-store');
      expect(response.headers.pragma, name).toBe('no-cache');
    }
  });

  it('marks the service desk API, sign-in, the token endpoint and portal operations no-store', async () => {
    const desk = await t.bearer({ roles: ['service-desk'] });
    const own = await t.bearer({ roles: ['patient'], fhirUser: `Patient/${patient.id}` });
    const responses = {
      admin: await call('GET', '/admin/accounts?username=nobody', desk),
      login: await call('POST', '/auth/login', undefined, {
        username: 'nobody',
        password: 'wrong-password',
        codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        codeChallengeMethod: 'S256',
      }),
      token: await t.pathways.app.inject({
        method: 'POST',
        url: '/oauth2/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'grant_type=authorization_code&code=nope&code_verifier=nope',
      }),
      portal: await call('GET', `/fhir/R4/Patient/${patient.id}/$contact-preferences`, own),
    };
    expect(responses.admin.statusCode).toBe(200);
    expect(responses.portal.statusCode).toBe(200);
    for (const [name, response] of Object.entries(responses)) {
      expect(response.headers['cache-control'], name).toBe('no-store');
      expect(response.headers.pragma, name).toBe('no-cache');
    }
  });

  it('lets public files keep their own caching', async () => {
    const jwks = await call('GET', '/oauth2/jwks');
    expect(jwks.headers['cache-control']).toBe('public, max-age=60');
    const ca = await call('GET', '/pki/ca.pem');
    expect(ca.statusCode).toBe(200);
    expect(ca.headers['cache-control']).toBe('public, max-age=3600');
    expect(ca.headers.pragma).toBeUndefined();
  });
});
