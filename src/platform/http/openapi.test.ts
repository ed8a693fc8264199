/**
 * /openapi.json documents every route outside the FHIR API from the routes' own schemas, and a
 * route registered without one is named. The document does not depend on the database: one app,
 * on PostgreSQL when it is there (the quicker to start), else PGlite.
 */
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/app.js';
import { databaseKinds } from '../../../test/databases.js';
import { isDocumentedApiRoute, registerOpenApi, undocumentedRoutes } from './openapi.js';
import { documented } from './route-docs.js';

describe('OpenAPI for the routes outside the FHIR API', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(databaseKinds.at(-1)!);
  }, 180_000);
  afterAll(() => t?.close());

  it('leaves no API route without a schema', () => {
    expect(undocumentedRoutes(t.pathways.app)).toEqual([]);
  });

  it('serves an OpenAPI 3.1 document of /auth, /oauth2, /admin, /pki and health, and no FHIR route', async () => {
    const response = await t.pathways.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const document = response.json() as {
      openapi: string;
      paths: Record<string, Record<string, { summary?: string; tags?: string[]; security?: unknown }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(document.openapi).toBe('3.1.0');
    const paths = Object.keys(document.paths);
    for (const path of [
      '/auth/login',
      '/auth/mfa',
      '/auth/register',
      '/oauth2/token',
      '/oauth2/authorize',
      '/oauth2/jwks',
      '/.well-known/openid-configuration',
      '/fhir/R4/.well-known/smart-configuration',
      '/admin/accounts',
      '/admin/accounts/{id}/unlock',
      '/admin/feed',
      '/admin/notifications/worklist',
      '/pki/ca.pem',
      '/pki/crl',
      '/healthz',
      '/readyz',
    ]) {
      expect(paths, path).toContain(path);
    }
    expect(paths.filter((path) => path.startsWith('/fhir/') && !path.includes('/.well-known/'))).toEqual([]);
    expect(paths).not.toContain('/openapi.json');
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        expect(operation.summary, `${method} ${path}`).toBeTruthy();
        expect(operation.tags, `${method} ${path}`).toHaveLength(1);
      }
    }
    expect(document.paths['/admin/accounts']!.get!.security).toEqual([{ bearer: [] }]);
    expect(document.paths['/auth/login']!.post).toMatchObject({
      requestBody: {
        content: { 'application/json': { schema: { required: expect.arrayContaining(['username']) } } },
      },
    });
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('has a browsable page', async () => {
    const page = await t.pathways.app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toMatch(/swagger/i);
  });

  it('still answers bad input with the handlers own errors: the schemas document, they do not validate', async () => {
    const response = await t.pathways.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username: 1 },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ resourceType: 'OperationOutcome' });
  });
});

describe('the undocumented-route check', () => {
  it('names an API route registered without a schema, and not the FHIR API or static files', async () => {
    const app = Fastify();
    await registerOpenApi(app, { publicUrl: 'http://localhost', version: '0' });
    app.get('/admin/forgotten', async () => ({}));
    app.post('/auth/described', documented('sign-in', 'Described'), async () => ({}));
    app.get('/fhir/R4/Patient', async () => ({}));
    app.get('/assets/signin/app.js', async () => '');
    await app.ready();
    expect(undocumentedRoutes(app)).toEqual(['GET /admin/forgotten']);
    await app.close();
  });

  it('knows which routes are API routes', () => {
    expect(isDocumentedApiRoute('/auth/login')).toBe(true);
    expect(isDocumentedApiRoute('/fhir/R4/.well-known/smart-configuration')).toBe(true);
    expect(isDocumentedApiRoute('/fhir/R4/Patient/:id')).toBe(false);
    expect(isDocumentedApiRoute('/docs/static/*')).toBe(false);
    expect(isDocumentedApiRoute('/')).toBe(false);
  });
});
