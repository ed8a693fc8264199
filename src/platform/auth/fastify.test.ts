import type { Resource } from '@medplum/fhirtypes';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIENCE, ISSUER, signToken, type TestKey, testKey } from '../../../test/support/platform/auth.js';
import type { AuditInput } from '../audit/audit-event.js';
import { ResourceRules } from '../fhir/resource-rules.js';
import { registerErrorHandling } from '../http/errors.js';
import { createAccessControl, declaredRoutes, protect, recordDeclaredAccess } from './fastify.js';
import { policyInHandler } from './policy.js';
import { createTokenVerifier } from './verify.js';

const NOW_S = Math.floor(Date.now() / 1000);
const RECORDS: Resource[] = [
  { resourceType: 'MedicationRequest', id: 'mine', subject: { reference: 'Patient/me' } } as Resource,
  { resourceType: 'MedicationRequest', id: 'theirs', subject: { reference: 'Patient/other' } } as Resource,
  { resourceType: 'Organization', id: 'pharmacy' } as Resource,
];

/** The declared read rules the access control is given: here one type open to every patient. */
const reads = new ResourceRules();
reads.declareReads('Organization', { group: 'directory', patientData: false, openToPatients: true });

let key: TestKey;
let app: FastifyInstance;
const audits: AuditInput[] = [];
const logLines: string[] = [];
const metrics = new Registry();

beforeAll(async () => {
  key = await testKey('k1');
  const access = createAccessControl({
    verifier: createTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      localJwks: () => ({ keys: [key.publicJwk] }),
    }),
    audit: { record: async (input) => void audits.push(input) },
    metrics,
    stepUpMaxAgeS: 900,
    reads,
  });
  app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => void logLines.push(line) } } });
  recordDeclaredAccess(app);
  registerErrorHandling(app);
  app.get('/healthz', { config: { access: 'public' } }, async () => ({ ok: true }));
  await app.register(
    async (fhir) => {
      protect(fhir, access, { requireDeclaredPolicy: true });
      fhir.get('/metadata', { config: { access: 'public' } }, async (request) => ({
        principal: request.principal ?? null,
      }));
      fhir.get('/Prescription', { config: { access: { roles: ['prescriber'] } } }, async (request) => ({
        subject: request.principal?.subject,
      }));
      fhir.post('/sign', { config: { access: { roles: ['prescriber'], stepUp: true } } }, async () => ({
        signed: true,
      }));
      // The policy depends on the request: here on a query parameter, as the FHIR routes' on the type.
      fhir.get<{ Querystring: { as?: string } }>(
        '/decided',
        { config: { access: policyInHandler('the role named in the query') } },
        async (request) => {
          await access.enforce(request, {
            roles: request.query.as === 'dispenser' ? ['dispenser'] : ['admin'],
          });
          return { decided: true };
        },
      );
      fhir.get('/undeclared-enforce', { config: { access: { roles: ['prescriber'] } } }, async (request) => {
        await access.enforce(request, { roles: ['prescriber'] });
        return 'should not get here';
      });
      const bound = { roles: ['patient', 'clinician'], patient: 'bound' } as const;
      fhir.get('/records', { config: { access: bound } }, async (request) =>
        access.bindToPatient(request, RECORDS),
      );
      fhir.get<{ Params: { id: string } }>('/records/:id', { config: { access: bound } }, async (request) => {
        const record = RECORDS.find((resource) => resource.id === request.params.id)!;
        await access.assertPatientBound(request, record);
        return record;
      });
    },
    { prefix: '/fhir/R4' },
  );
  await app.ready();
});
afterAll(() => app.close());

const token = (claims: Record<string, unknown> = {}) => signToken(key, claims, { nowS: NOW_S - 30 });
const bearer = async (claims: Record<string, unknown> = {}) => ({
  authorization: `Bearer ${await token(claims)}`,
});

describe('protect: authenticate and the declared policy on a fastify scope', () => {
  it('leaves routes outside the protected scope alone', async () => {
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });

  it('401 without a token (bare Bearer challenge), and for a non-Bearer scheme', async () => {
    for (const headers of [{}, { authorization: 'Basic dXNlcjpwYXNz' }]) {
      const response = await app.inject({ url: '/fhir/R4/Prescription', headers });
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer');
      expect(response.json().resourceType).toBe('OperationOutcome');
    }
  });

  it('401 invalid_token for a bad token, audited as a failed login', async () => {
    const before = audits.length;
    const response = await app.inject({
      url: '/fhir/R4/Prescription',
      headers: await bearer({ aud: 'other' }),
    });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe(
      'Bearer error="invalid_token", error_description="The access token is not for this service"',
    );
    expect(audits.slice(before)).toMatchObject([
      { subtype: 'login', outcome: '4', agent: { display: 'unauthenticated' } },
    ]);
  });

  it('403 for the wrong role, audited as use of a restricted function', async () => {
    const before = audits.length;
    const response = await app.inject({
      url: '/fhir/R4/Prescription',
      headers: await bearer({ roles: ['dispenser'] }),
    });
    expect(response.statusCode).toBe(403);
    expect(response.json().issue[0].details.coding[0].code).toBe('FORBIDDEN');
    expect(audits.slice(before)).toMatchObject([
      {
        subtype: 'use-of-restricted-function',
        outcome: '4',
        agent: { reference: 'Practitioner/p1', roles: ['dispenser'] },
      },
    ]);
  });

  it('200 for the right role, with request.principal set', async () => {
    const response = await app.inject({ url: '/fhir/R4/Prescription', headers: await bearer() });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ subject: 'account-1' });
  });

  it('401 step-up challenge (RFC 9470) without a recent one-time code; 200 with one', async () => {
    const stale = await app.inject({
      method: 'POST',
      url: '/fhir/R4/sign',
      headers: await bearer({ amr: ['pwd'] }),
    });
    expect(stale.statusCode).toBe(401);
    expect(stale.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_user_authentication", error_description="A recent sign-in with a one-time code is required", max_age=900',
    );
    const old = await app.inject({
      method: 'POST',
      url: '/fhir/R4/sign',
      headers: await bearer({ auth_time: NOW_S - 901 }),
    });
    expect(old.statusCode).toBe(401);
    const fresh = await app.inject({ method: 'POST', url: '/fhir/R4/sign', headers: await bearer() });
    expect(fresh.statusCode).toBe(200);
  });
});

describe('patient binding (HAZ-WRONG-PATIENT)', () => {
  const patient = { roles: ['patient'], fhirUser: 'Patient/me', org: undefined };

  it("filters another patient's record out of a list, audits it, logs and counts a safety event", async () => {
    const before = audits.length;
    const response = await app.inject({ url: '/fhir/R4/records', headers: await bearer(patient) });
    expect(response.statusCode).toBe(200);
    expect(response.json().map((r: Resource) => r.id)).toEqual(['mine', 'pharmacy']);
    expect(audits.slice(before)).toMatchObject([
      {
        action: 'R',
        subtype: 'use-of-restricted-function',
        outcome: '4',
        agent: { reference: 'Patient/me', roles: ['patient'] },
        entity: { reference: 'MedicationRequest/theirs' },
        patient: 'Patient/other',
      },
    ]);
    const safety = logLines.map((line) => JSON.parse(line)).filter((line) => line.safetyEvent);
    expect(safety).toMatchObject([{ level: 40, safetyEvent: 'HAZ-WRONG-PATIENT', blocked: 1 }]);
    expect(logLines.join('')).not.toContain('Patient/');
    const counter = await metrics.getSingleMetricAsString('pathways_clinical_safety_events_total');
    expect(counter).toContain('pathways_clinical_safety_events_total{hazard="HAZ-WRONG-PATIENT"} 1');
  });

  it('refuses a read of another patient’s record (403, nothing returned) and allows their own', async () => {
    const theirs = await app.inject({ url: '/fhir/R4/records/theirs', headers: await bearer(patient) });
    expect(theirs.statusCode).toBe(403);
    expect(theirs.body).not.toContain('Patient/other');
    const mine = await app.inject({ url: '/fhir/R4/records/mine', headers: await bearer(patient) });
    expect(mine.statusCode).toBe(200);
  });

  it('does not filter staff on the same route', async () => {
    const response = await app.inject({
      url: '/fhir/R4/records',
      headers: await bearer({ roles: ['clinician'] }),
    });
    expect(response.json()).toHaveLength(3);
  });
});

describe('what a route declares in config.access', () => {
  it("'public' in a protected scope: no token needed, none looked at", async () => {
    const response = await app.inject({ url: '/fhir/R4/metadata' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ principal: null });
  });

  it('policyInHandler: authenticated by the scope (401), then the handler enforces its policy', async () => {
    expect((await app.inject({ url: '/fhir/R4/decided?as=dispenser' })).statusCode).toBe(401);
    const before = audits.length;
    const refused = await app.inject({ url: '/fhir/R4/decided?as=admin', headers: await bearer() });
    expect(refused.statusCode).toBe(403);
    expect(audits.slice(before)).toMatchObject([{ subtype: 'use-of-restricted-function', outcome: '4' }]);
    const allowed = await app.inject({
      url: '/fhir/R4/decided?as=dispenser',
      headers: await bearer({ roles: ['dispenser'] }),
    });
    expect(allowed.statusCode).toBe(200);
  });

  it('enforce() in a route that did not declare policyInHandler is refused as a programming error', async () => {
    const response = await app.inject({ url: '/fhir/R4/undeclared-enforce', headers: await bearer() });
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('should not get here');
  });

  it('lists every route with what it declares and whether protect enforces it', () => {
    const routes = declaredRoutes(app).filter((route) => route.method === 'GET');
    expect(routes.find((route) => route.url === '/healthz')).toEqual({
      method: 'GET',
      url: '/healthz',
      access: 'public',
      protected: false,
    });
    expect(routes.find((route) => route.url === '/fhir/R4/Prescription')).toEqual({
      method: 'GET',
      url: '/fhir/R4/Prescription',
      access: { roles: ['prescriber'] },
      protected: true,
    });
  });
});

describe('protect(requireDeclaredPolicy)', () => {
  it('refuses to register a route that declares no policy', async () => {
    const strict = Fastify();
    const access = createAccessControl({
      verifier: { verify: async () => Promise.reject(new Error('unused')) },
      audit: { record: async () => undefined },
      metrics: new Registry(),
      stepUpMaxAgeS: 900,
      reads,
    });
    await expect(
      strict
        .register(async (scope) => {
          protect(scope, access, { requireDeclaredPolicy: true });
          scope.get('/forgotten', async () => 'open');
        })
        .ready(),
    ).rejects.toThrow('route GET /forgotten declares no access policy');
    await strict.close();
  });
});
