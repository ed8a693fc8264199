/**
 * The built portal served by the whole service: pages for every client path, long-cached hashed
 * assets, the server's CSP on all of it, APIs and files left to their own 404s, and a clear 503
 * page until the app is built (a build while the server runs is picked up at once).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/app.js';
import { databaseKinds } from '../../test/databases.js';

const INDEX = `<!DOCTYPE html>
<html lang="en"><head><title>Pathways</title>
<link rel="icon" href="./favicon.svg" type="image/svg+xml">
<script type="module" crossorigin src="./assets/index-Abc123.js"></script>
<link rel="stylesheet" crossorigin href="./assets/index-Def456.css">
</head><body><div id="app"></div></body></html>
`;

// The build's second page, which the identity capability serves at /oauth2/authorize.
const SIGNIN = `<!DOCTYPE html>
<html lang="en"><head><title>Sign in – Pathways</title>
<script type="module" crossorigin src="./assets/signin-Ghi789.js"></script>
<link rel="stylesheet" crossorigin href="./assets/index-Def456.css">
</head><body><div id="signin"></div></body></html>
`;

function build(dir: string, index = INDEX): void {
  mkdirSync(path.join(dir, 'assets'), { recursive: true });
  writeFileSync(path.join(dir, 'assets', 'index-Abc123.js'), 'console.log("portal");\n');
  writeFileSync(path.join(dir, 'assets', 'index-Def456.css'), 'body{margin:0}\n');
  writeFileSync(path.join(dir, 'assets', 'signin-Ghi789.js'), 'console.log("sign in");\n');
  writeFileSync(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(path.join(dir, 'signin.html'), SIGNIN);
  writeFileSync(path.join(dir, 'index.html'), index);
}

describe.each(databaseKinds)('the web portal served at / on %s', (kind) => {
  let t: TestApp;
  let root: string;
  let dir: string;

  const get = (url: string, headers: Record<string, string> = {}) =>
    t.pathways.app.inject({ method: 'GET', url, headers: { accept: 'text/html,*/*;q=0.8', ...headers } });

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'pathways-web-'));
    dir = path.join(root, 'web');
    t = await startTestApp(kind, { PORTAL_WEB_DIR: dir });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('answers a clear 503 page saying to build the app, while it is missing', async () => {
    for (const url of ['/', '/appointments']) {
      const response = await get(url);
      expect(response.statusCode).toBe(503);
      expect(response.headers['content-type']).toContain('text/html');
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.body).toContain('npm run build');
      expect(response.headers['content-security-policy']).toContain("script-src 'self'");
    }
    expect((await get('/assets/index-Abc123.js')).statusCode).toBe(404);
  });

  it('serves index.html for every page path once built, with absolute asset URLs and the CSP', async () => {
    build(dir);
    for (const url of ['/', '/prescriptions', '/appointments/abc-1/cancel', '/results/r1?from=sms']) {
      const response = await get(url);
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.headers['cache-control']).toBe('no-cache');
      expect(response.body).toContain('src="/assets/index-Abc123.js"');
      expect(response.body).toContain('href="/assets/index-Def456.css"');
      expect(response.body).not.toContain('"./');
      const csp = String(response.headers['content-security-policy']);
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(response.headers['x-content-type-options']).toBe('nosniff');
    }
    const head = await t.pathways.app.inject({ method: 'HEAD', url: '/prescriptions' });
    expect(head.statusCode).toBe(200);
  });

  it('answers a revalidation with 304 and picks up a rebuild at the next request', async () => {
    const first = await get('/');
    const again = await get('/', { 'if-none-match': String(first.headers.etag) });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    build(dir, INDEX.replace('index-Abc123.js', 'index-New789.js'));
    writeFileSync(path.join(dir, 'assets', 'index-New789.js'), 'console.log("new");\n');
    const rebuilt = await get('/', { 'if-none-match': String(first.headers.etag) });
    expect(rebuilt.statusCode).toBe(200);
    expect(rebuilt.body).toContain('/assets/index-New789.js');
    expect(rebuilt.headers.etag).not.toBe(first.headers.etag);
  });

  it('caches hashed assets for a year and the icon for a day', async () => {
    const script = await get('/assets/index-Abc123.js');
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toContain('javascript');
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(script.body).toContain('portal');
    const css = await get('/assets/index-Def456.css');
    expect(css.headers['content-type']).toContain('text/css');
    const icon = await get('/favicon.svg');
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['content-type']).toBe('image/svg+xml');
    expect(icon.headers['cache-control']).toBe('public, max-age=86400');
  });

  it('keeps the OperationOutcome 404 for API paths, files, missing assets and JSON-only clients', async () => {
    for (const [url, headers] of [
      ['/admin/nothing-here', {}],
      ['/auth/nothing', {}],
      ['/fhir', {}],
      ['/robots.txt', {}],
      ['/assets/missing-123.js', {}],
      ['/assets/..%2f..%2fpackage.json', {}],
      ['/prescriptions', { accept: 'application/fhir+json' }],
    ] as const) {
      const response = await get(url, headers);
      expect(response.statusCode, url).toBe(404);
      expect(response.headers['content-type'], url).toContain('json');
      expect(response.json().issue[0].details.coding[0].code, url).toBe('NOT_FOUND');
    }
    const post = await t.pathways.app.inject({ method: 'POST', url: '/', payload: {} });
    expect(post.statusCode).toBe(404);
  });

  it("serves the build's sign-in page at /oauth2/authorize with the portal's assets, and leaves the APIs where they were", async () => {
    const authorize = await get(
      '/oauth2/authorize?response_type=code&client_id=portal&redirect_uri=http%3A%2F%2Fpathways.test%2Fcallback' +
        '&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256',
    );
    expect(authorize.statusCode).toBe(200);
    expect(authorize.headers['content-security-policy']).toContain("script-src 'self'");
    expect(authorize.body).toContain('data-redirect-uri="http://pathways.test/callback"');
    const script = /src="(\/assets\/signin-[^"]+\.js)"/.exec(authorize.body)?.[1];
    expect((await get(script!)).body).toContain('sign in');
    const css = await get(/href="(\/assets\/[^"]+\.css)"/.exec(authorize.body)![1]!);
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toContain('text/css');
    // A bad sign-in link still gets the identity capability's own error page and stylesheet.
    const refused = await get('/oauth2/authorize');
    expect(refused.statusCode).toBe(400);
    const errorCss = /href="(\/assets\/signin\/[^"]+\.css)"/.exec(refused.body)?.[1];
    expect((await get(errorCss!)).statusCode).toBe(200);
    expect((await get('/fhir/R4/metadata', { accept: 'application/fhir+json' })).json().resourceType).toBe(
      'CapabilityStatement',
    );
    expect((await get('/healthz')).statusCode).toBe(200);
  });
});
