/**
 * Every route of the whole service declares who may call it, one way: `config: { access }`
 * (src/platform/auth/policy.ts `RouteAccess`). This walks the routes of the built service and
 * checks that
 * - each route declares its access (a forgotten one fails here, and at start-up in a protected
 *   scope);
 * - each route that is not public sits in a scope made by `protect`, so its policy is enforced —
 *   and answers 401 without a token;
 * - the public routes are exactly the ones listed below: a new public route is added here on
 *   purpose, with its reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DeclaredRoute, declaredRoutes } from '../../src/platform/auth/fastify.js';
import { startTestApp, type TestApp } from '../app.js';

/** `METHOD url` of every route that needs no token, and why. */
const PUBLIC: Record<string, string> = {
  'GET /healthz': 'liveness probe',
  'GET /readyz': 'readiness probe',
  'GET /openapi.json': 'the API description',
  'GET /fhir/R4/metadata': 'the CapabilityStatement: how to authenticate (FHIR R4 http.html#capabilities)',
  'GET /fhir/R4/.well-known/smart-configuration': 'SMART App Launch discovery at the FHIR base',
  'GET /.well-known/smart-configuration': 'SMART App Launch discovery at the issuer',
  'GET /.well-known/openid-configuration': 'OpenID Connect discovery',
  'GET /oauth2/jwks': 'the keys access tokens are verified with',
  'GET /oauth2/authorize': 'the sign-in page',
  'POST /oauth2/token': 'the token endpoint (clients authenticate in the body)',
  'GET /assets/signin/*': "the sign-in page's scripts and styles",
  'POST /auth/login': 'sign-in: password step',
  'POST /auth/mfa': 'sign-in: one-time code step',
  'POST /auth/mfa/sms': 'sign-in: text a one-time code',
  'POST /auth/unlock': 'self-unlock through a verified channel',
  'POST /auth/unlock/confirm': 'self-unlock: the code sent',
  'POST /auth/register': 'patient sign-up',
  'POST /auth/register/verify': 'patient sign-up: email and mobile codes',
  'POST /auth/register/mfa': 'patient sign-up: second factor',
  'POST /auth/register/complete': 'patient sign-up: create the account',
  'GET /pki/ca.pem': 'the prescriber CA: relying parties verify signatures with it',
  'GET /pki/crl': 'the revocation list relying parties check',
  'GET /pki/feed.pem': 'the key the ePMS verifies the feed with',
  'GET /favicon.svg': "the web app's icon",
  'GET /': "the web app's page (its data comes from the API with the user's token)",
  'GET /*': "the web app's page for its client-side routes",
};

/**
 * Routes third-party plugins register, which cannot declare anything: the API documentation page
 * (@fastify/swagger-ui) and the web app's static files (@fastify/static). Public on purpose.
 */
const isPluginRoute = (route: DeclaredRoute) =>
  route.access === undefined &&
  !route.protected &&
  (route.url === '/docs' || route.url.startsWith('/docs/') || route.url === '/assets/*');

const key = (route: DeclaredRoute) => `${route.method} ${route.url}`;

let app: TestApp;
let routes: DeclaredRoute[];

beforeAll(async () => {
  app = await startTestApp('pglite');
  await app.pathways.app.ready();
  // HEAD routes are fastify's copies of the GET ones, with the same options.
  routes = declaredRoutes(app.pathways.app).filter((route) => route.method !== 'HEAD');
}, 60_000);
afterAll(() => app?.close());

describe('how every route declares its access', () => {
  it('finds the routes of every part (the walk sees the whole service)', () => {
    const urls = routes.map((route) => route.url);
    for (const url of [
      '/fhir/R4/:type',
      '/fhir/R4/$process-message',
      '/admin/accounts',
      '/admin/feed',
      '/auth/login',
    ]) {
      expect(urls).toContain(url);
    }
    expect(routes.length).toBeGreaterThan(60);
  });

  it('each route declares config.access (third-party plugin routes aside)', () => {
    const undeclared = routes.filter((route) => route.access === undefined && !isPluginRoute(route));
    expect(undeclared.map(key)).toEqual([]);
  });

  it('each route that is not public is in a protected scope, so its policy is enforced', () => {
    const unenforced = routes.filter(
      (route) => route.access !== 'public' && !isPluginRoute(route) && !route.protected,
    );
    expect(unenforced.map(key)).toEqual([]);
  });

  it('the public routes are exactly the listed ones', () => {
    const declaredPublic = routes.filter((route) => route.access === 'public').map(key);
    expect(declaredPublic.sort()).toEqual(Object.keys(PUBLIC).sort());
  });

  it('every /fhir and /admin route but the listed ones needs a token: 401 without one', async () => {
    const guarded = routes.filter(
      (route) => /^\/(fhir|admin)\//.test(route.url) && route.access !== 'public',
    );
    expect(guarded.length).toBeGreaterThan(40);
    const answers: string[] = [];
    for (const route of guarded) {
      for (const method of route.method.split(',')) {
        const url = route.url.replace(/:[A-Za-z]+/g, 'x1').replace(/\*$/, 'x1');
        const response = await app.pathways.app.inject({ method: method as 'GET', url });
        if (response.statusCode !== 401) answers.push(`${method} ${route.url}: ${response.statusCode}`);
      }
    }
    expect(answers).toEqual([]);
  });
});
