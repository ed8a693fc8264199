/**
 * SMART on FHIR App Launch 2 end to end over real HTTP: discovery, the example patient app's
 * standalone launch (PKCE, `launch/patient`, `patient/*.rs`), the patient signing in on the
 * authorization page the way its script does, the token response's patient context, the app
 * listing the patient's prescriptions, and the scopes holding (reads only, own records only).
 */
import net from 'node:net';
import type { CapabilityStatement } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PATIENT_APP_SCOPE, startStandaloneLaunch } from '../../examples/smart-patient-app.js';
import { currentTotp } from '../../src/identity/accounts/totp.js';
import { DEMO_PRESCRIPTIONS } from '../../src/prescribing/demo.js';
import { startTestApp, type TestApp } from '../app.js';
import { databaseKinds } from '../databases.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** The data- attributes of the sign-in page: what its script sends. */
function pageData(html: string): Record<string, string> {
  const root = /<div id="signin" ([^>]*)>/.exec(html)?.[1] ?? '';
  const decode = (value: string) =>
    value.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).replace(/&amp;/g, '&');
  return Object.fromEntries(
    [...root.matchAll(/data-([a-z-]+)="([^"]*)"/g)].map((m) => [m[1]!, decode(m[2]!)]),
  );
}

describe.each(databaseKinds)('SMART on FHIR standalone patient launch on %s', (kind) => {
  let t: TestApp;
  let origin: string;
  let fhirBase: string;

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    fhirBase = `${origin}/fhir/R4`;
    t = await startTestApp(kind, { PUBLIC_URL: origin, PATHWAYS_DEMO: '1' });
    await t.pathways.app.listen({ port, host: '127.0.0.1' });
  }, 180_000); // the demo seeding signs prescriptions: slow on a loaded machine
  afterAll(() => t?.close());

  const post = (path: string, body: object) =>
    fetch(`${origin}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('publishes smart-configuration at the FHIR base and the root, and rest.security in metadata', async () => {
    for (const url of [
      `${fhirBase}/.well-known/smart-configuration`,
      `${origin}/.well-known/smart-configuration`,
    ]) {
      const response = await fetch(url);
      expect(response.status, url).toBe(200);
      expect(await response.json()).toMatchObject({
        issuer: origin,
        authorization_endpoint: `${origin}/oauth2/authorize`,
        token_endpoint: `${origin}/oauth2/token`,
        jwks_uri: `${origin}/oauth2/jwks`,
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: expect.arrayContaining(['private_key_jwt', 'none']),
        grant_types_supported: expect.arrayContaining(['authorization_code', 'client_credentials']),
        scopes_supported: expect.arrayContaining(['launch/patient', 'patient/*.rs', 'system/*.rs']),
        capabilities: expect.arrayContaining([
          'launch-standalone',
          'client-public',
          'client-confidential-asymmetric',
          'context-standalone-patient',
          'permission-v2',
        ]),
      });
    }
    const metadata = (await (await fetch(`${fhirBase}/metadata`)).json()) as CapabilityStatement;
    const security = metadata.rest![0]!.security!;
    expect(security.service![0]!.coding![0]).toEqual({
      system: 'http://terminology.hl7.org/CodeSystem/restful-security-service',
      code: 'SMART-on-FHIR',
    });
    expect(security.extension![0]!.extension).toEqual([
      { url: 'authorize', valueUri: `${origin}/oauth2/authorize` },
      { url: 'token', valueUri: `${origin}/oauth2/token` },
    ]);
  });

  it('signs the patient in for the example app, which lists their prescriptions; the scopes hold', async () => {
    const launch = await startStandaloneLaunch({ fhirBase });
    try {
      // The browser opens the authorization URL: Pathways' sign-in page.
      const signinPage = await fetch(launch.authorizeUrl);
      expect(signinPage.status).toBe(200);
      const data = pageData(await signinPage.text());
      expect(data).toMatchObject({ 'redirect-uri': launch.redirectUri, scope: PATIENT_APP_SCOPE });

      // The page's script: password, then the one-time code, then back to the app with the code.
      const patient = t.pathways.demoUsers.find((user) => user.role === 'patient')!;
      const login = await post('/auth/login', {
        username: patient.username,
        password: patient.password,
        codeChallenge: data['code-challenge'],
        codeChallengeMethod: 'S256',
        scope: data.scope,
      });
      expect(login.status).toBe(200);
      const mfa = await post('/auth/mfa', {
        login: ((await login.json()) as { login: string }).login,
        otp: currentTotp(patient.totpSecret),
      });
      expect(mfa.status).toBe(200);
      const { code } = (await mfa.json()) as { code: string };
      const back = new URL(data['redirect-uri']!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', data.state!);
      const appPage = await fetch(back);
      expect(appPage.status).toBe(200);
      const appHtml = await appPage.text();

      const result = await launch.result;
      expect(result.patient).toBe('demo-patient-1');
      expect(result.scope.split(' ').sort()).toEqual(PATIENT_APP_SCOPE.split(' ').sort());
      const shown = new Set(result.prescriptions.map((line) => line.prescriptionId));
      for (const id of Object.values(DEMO_PRESCRIPTIONS)) {
        expect(shown, id).toContain(id);
        expect(appHtml).toContain(id);
      }

      // patient/*.rs: reading is allowed, writing is not (403, insufficient_scope) ...
      const authorization = `Bearer ${result.accessToken}`;
      const own = await fetch(`${fhirBase}/Patient/demo-patient-1`, { headers: { authorization } });
      expect(own.status).toBe(200);
      const write = await fetch(`${fhirBase}/Observation`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/fhir+json' },
        body: JSON.stringify({ resourceType: 'Observation', status: 'final', code: { text: 'x' } }),
      });
      expect(write.status).toBe(403);
      expect(write.headers.get('www-authenticate')).toMatch(
        /error="insufficient_scope".*patient\/Observation\.c/,
      );
      // ... and the patient binding still decides whose records: another patient's is refused.
      const other = await fetch(`${fhirBase}/Patient/demo-patient-2`, { headers: { authorization } });
      expect(other.status).toBe(403);
    } finally {
      await launch.close();
    }
  });

  it('refuses an aud that is not this FHIR server and a malformed scope, with an error page and no redirect', async () => {
    const launch = await startStandaloneLaunch({ fhirBase });
    try {
      const wrongAud = new URL(launch.authorizeUrl);
      wrongAud.searchParams.set('aud', 'https://elsewhere.example/fhir');
      const refused = await fetch(wrongAud, { redirect: 'manual' });
      expect(refused.status).toBe(400);
      expect(await refused.text()).toContain('aud parameter');
      const badScope = new URL(launch.authorizeUrl);
      badScope.searchParams.set('scope', 'patient/*.rs "quoted"');
      expect((await fetch(badScope, { redirect: 'manual' })).status).toBe(400);
    } finally {
      await launch.close();
    }
  });
});
