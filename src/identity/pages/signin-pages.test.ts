/**
 * The sign-in pages without a browser: the authorize request rules (especially redirect_uri, which
 * must never become an open redirect) and how the page and its assets are served.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowedRedirect, parseAuthorizeQuery } from './authorize-request.js';
import { signinPages } from './signin-pages.js';

const ORIGIN = 'https://pathways.example';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const good = {
  response_type: 'code',
  client_id: 'portal',
  redirect_uri: `${ORIGIN}/portal/callback`,
  code_challenge: CHALLENGE,
  code_challenge_method: 'S256',
  state: 'xyz',
};

describe('redirect_uri rule', () => {
  it.each([
    `${ORIGIN}/portal/callback`,
    `${ORIGIN}/portal/callback?tab=1`,
    `${ORIGIN}:443/x`,
    'http://127.0.0.1:8765/callback',
    'http://[::1]:9000/',
  ])('allows %s', (uri) => expect(allowedRedirect(uri, ORIGIN)).toBe(true));

  it.each([
    'https://evil.example/callback',
    'http://pathways.example/portal/callback', // same host, other scheme
    'https://pathways.example:8443/portal/callback', // other port
    'https://pathways.example.evil.example/',
    'https://user@pathways.example/portal',
    `${ORIGIN}/portal#fragment`,
    'https://127.0.0.1/callback', // loopback is for plain-http listeners only
    'http://127.0.0.1.evil.example/',
    'http://localhost:8765/callback',
    '//evil.example/callback',
    '/portal/callback',
    'javascript:alert(1)',
    'data:text/html,hi',
    'not a url',
  ])('refuses %s', (uri) => expect(allowedRedirect(uri, ORIGIN)).toBe(false));
});

describe('parseAuthorizeQuery', () => {
  it('accepts a complete S256 request', () => {
    expect(parseAuthorizeQuery(good, ORIGIN)).toEqual({
      ok: true,
      request: { clientId: 'portal', redirectUri: good.redirect_uri, codeChallenge: CHALLENGE, state: 'xyz' },
    });
  });

  it.each([
    ['response_type', { response_type: 'token' }],
    ['code_challenge_method', { code_challenge_method: 'plain' }],
    ['code_challenge_method', { code_challenge_method: undefined }],
    ['code_challenge', { code_challenge: undefined }],
    ['code_challenge', { code_challenge: 'short' }],
    ['client_id', { client_id: undefined }],
    ['redirect_uri', { redirect_uri: undefined }],
    ['redirect_uri', { redirect_uri: [good.redirect_uri, 'https://evil.example/'] }],
    ['state', { state: 'x'.repeat(1025) }],
  ])('refuses a bad %s', (name, change) => {
    const result = parseAuthorizeQuery({ ...good, ...change }, ORIGIN);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems.join(' ')).toContain(name);
  });
});

// The shape of Vite's web/signin.html output (relative URLs, an empty mount point).
const SIGNIN_HTML = `<!DOCTYPE html>
<html lang="en">
<head><title>Sign in – Pathways</title>
<link rel="icon" href="./favicon.svg" type="image/svg+xml">
<script type="module" crossorigin src="./assets/signin-Abc123.js"></script>
<link rel="stylesheet" crossorigin href="./assets/styles-Def456.css">
</head>
<body><div id="signin"></div><noscript><p>You need to turn on JavaScript in your browser to sign in.</p></noscript></body>
</html>
`;

describe('signinPages plugin', () => {
  let app: FastifyInstance;
  let webDir: string;
  beforeAll(async () => {
    webDir = mkdtempSync(path.join(tmpdir(), 'pathways-signin-'));
    app = Fastify();
    await app.register(signinPages, { publicUrl: `${ORIGIN}/`, webDir });
  });
  afterAll(async () => {
    await app.close();
    rmSync(webDir, { recursive: true, force: true });
  });

  it('answers 503 with a page saying to build the web app while signin.html is missing', async () => {
    const response = await app.inject({ url: '/oauth2/authorize', query: good });
    expect(response.statusCode).toBe(503);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toContain('npm run build');
    // A bad request is still refused as such.
    expect((await app.inject({ url: '/oauth2/authorize' })).statusCode).toBe(400);
  });

  it('serves the built page uncached, with the escaped request in data attributes', async () => {
    mkdirSync(webDir, { recursive: true });
    writeFileSync(path.join(webDir, 'signin.html'), SIGNIN_HTML);
    const state = '"><script>alert(1)</script> $& $1';
    const response = await app.inject({
      url: '/oauth2/authorize',
      query: { ...good, state, scope: 'openid' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).not.toContain('<script>alert');
    expect(response.body).toContain('data-state="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt; $&amp; $1"');
    expect(response.body).toContain(`data-redirect-uri="${good.redirect_uri}"`);
    expect(response.body).toContain(`data-code-challenge="${CHALLENGE}"`);
    expect(response.body).toContain('data-scope="openid"');
    expect(response.body).toMatch(/data-self="\/oauth2\/authorize\?response_type=code&amp;/);
    // The page lives at /oauth2/authorize; its files are the portal's, at /assets/.
    expect(response.body).toContain('src="/assets/signin-Abc123.js"');
    expect(response.body).toContain('href="/assets/styles-Def456.css"');
    expect(response.body).toContain('href="/favicon.svg"');
    expect(response.body).not.toMatch(/<script(?![^>]*\bsrc=)/); // CSP: no inline scripts
    expect(response.body).not.toMatch(/\sstyle=|<style/); // CSP: no inline styles
    // No form in the HTML: without the script nothing can send a password in a URL.
    expect(response.body).not.toContain('<form');
  });

  it('explains a request without parameters instead of showing a broken page', async () => {
    const response = await app.inject({ url: '/oauth2/authorize' });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('Sorry, there is a problem with this sign-in link');
    expect(response.body).toContain('Go back to the service you came from');
    expect(response.body).not.toContain('<script');
  });

  it('answers a bad request with a 400 HTML page', async () => {
    const response = await app.inject({
      url: '/oauth2/authorize',
      query: { ...good, redirect_uri: 'https://evil.example/' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toContain('redirect_uri');
    expect(response.body).not.toContain('evil.example');
  });

  it("serves the error page's hashed stylesheet for a year, without external fonts", async () => {
    const page = await app.inject({ url: '/oauth2/authorize' });
    const css = page.body.match(/href="(\/assets\/signin\/nhsuk-frontend\.[0-9a-f]{12}\.css)"/)?.[1];
    expect(css).toBeTruthy();

    const style = await app.inject({ url: css! });
    expect(style.statusCode).toBe(200);
    expect(style.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(style.body).toContain('.nhsuk-error-summary');
    expect(style.body).not.toMatch(/@font-face|url\(https?:/);

    for (const icon of style.body.match(/\/assets\/signin\/images\/[a-z-]+\.svg/g) ?? []) {
      expect((await app.inject({ url: icon })).statusCode, icon).toBe(200);
    }
    expect((await app.inject({ url: '/assets/signin/../../package.json' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/assets/signin/nope.js' })).statusCode).toBe(404);
  });
});
