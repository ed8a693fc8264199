/**
 * The sign-in page's browser suites (src/identity/pages/signin-flows.test.ts and
 * signin-page.test.ts): the web build's signin.html served by the real plugin under the
 * production headers and CSP, the sign-in API faked with the contract's documented answers (so
 * the suites test the page and nothing else), one Chromium, and the checks every test shares.
 * The build is the one every browser suite shares (test/browser/web-build.ts).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { signinPages } from '../../../src/identity/pages/signin-pages.js';
import { registerSecurityHeaders } from '../../../src/platform/http/security-headers.js';
import { launchChromium } from '../../browser/chromium.js';
import { buildWebApp } from '../../browser/web-build.js';

export const SCREENSHOTS = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));
const WCAG_22_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
// RFC 7636 appendix B's S256 challenge.
export const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
export const STATE = 'st&te=1 ünïcode';

export interface Recorded {
  logins: unknown[];
  callbacks: Record<string, string>[];
  smsSent: string[];
  unlocks: unknown[];
}

/** The contract's /auth/login and /auth/mfa, reduced to fixed users, plus a client callback page. */
function fakeSigninApi(app: FastifyInstance, recorded: Recorded): void {
  app.post<{ Body: { username?: string; password?: string } }>('/auth/login', async (request, reply) => {
    recorded.logins.push(request.body);
    const { username, password } = request.body;
    if (username === 'locked') return reply.code(423).header('retry-after', '840').send({});
    if (username === 'carol' && unlocked.has('carol') && password === 'correct horse')
      return { login: 'login-3', mfaRequired: true, mfaMethods: ['totp'] };
    if (username === 'carol') return reply.code(423).send({});
    if (username === 'busy') return reply.code(429).header('retry-after', '30').send({});
    if (username === 'alice' && password === 'correct horse')
      return { login: 'login-1', mfaRequired: true, mfaMethods: ['totp'] };
    if (username === 'bob' && password === 'correct horse')
      return { login: 'login-2', mfaRequired: true, mfaMethods: ['sms'] };
    return reply.code(401).send({});
  });
  const unlocked = new Set<string>();
  app.post<{ Body: { username?: string } }>('/auth/unlock', async (request, reply) => {
    recorded.unlocks.push(request.body);
    return reply.code(202).send({ sent: true });
  });
  app.post<{ Body: { username?: string; code?: string } }>('/auth/unlock/confirm', async (request, reply) => {
    recorded.unlocks.push(request.body);
    if (request.body.username !== 'carol' || request.body.code !== '246810') return reply.code(401).send({});
    unlocked.add('carol');
    return { unlocked: true };
  });
  app.post<{ Body: { login?: string } }>('/auth/mfa/sms', async (request, reply) => {
    const login = String(request.body.login);
    if (recorded.smsSent.filter((sent) => sent === login).length >= 3) return reply.code(429).send({});
    recorded.smsSent.push(login);
    return reply.code(202).send({ sent: true });
  });
  app.post<{ Body: { login?: string; otp?: string } }>('/auth/mfa', async (request, reply) => {
    if (request.body.login === 'login-1' && request.body.otp === '123456') return { code: 'code-abc' };
    if (request.body.otp === '222222')
      return reply.code(401).send({
        resourceType: 'OperationOutcome',
        issue: [
          { severity: 'error', code: 'security', details: { coding: [{ code: 'CODE_ALREADY_USED' }] } },
        ],
      });
    if (request.body.login === 'login-2' && request.body.otp === '654321') return { code: 'code-sms' };
    return reply.code(401).send({});
  });
  app.get('/portal/callback', async (request, reply) => {
    recorded.callbacks.push(request.query as Record<string, string>);
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .send(
        '<!DOCTYPE html><html lang="en"><title>Signed in</title><link rel="icon" href="data:,"><main><h1>Signed in</h1></main></html>',
      );
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface SigninPageSuite {
  readonly base: string;
  readonly browser: Browser;
  readonly recorded: Recorded;
  /** A new browser context (closed after the test) on `url`, its console errors collected. */
  open(url: string, width?: number): Promise<Page>;
  /** A context the test drives itself (closed after the test); its console errors are its own to collect. */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  /** Counted as console errors of the test (checked to be none after it). */
  consoleErrors: string[];
  authorizeUrl(redirectUri?: string): string;
}

/** The server and browser for a describe block of sign-in page tests; call inside the `describe`. */
export function signinPageSuite(): SigninPageSuite {
  let app: FastifyInstance | undefined;
  let browser: Browser | undefined;
  let base = '';
  let context: BrowserContext | undefined;
  const recorded: Recorded = { logins: [], callbacks: [], smsSent: [], unlocks: [] };

  beforeAll(async () => {
    const build = await buildWebApp();
    app = Fastify();
    // The production server's headers and CSP (src/platform/http/security-headers.ts): the page must work under them.
    registerSecurityHeaders(app);
    // PUBLIC_URL must be known before listening, so take a free port first: the callback is then
    // admitted by the same-origin rule, as the portal's will be.
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    await app.register(signinPages, { publicUrl: base, webDir: build.dir });
    // What src/portal-web does in the service: the build's files under /assets/, and its favicon.
    await app.register(fastifyStatic, { root: path.join(build.dir, 'assets'), prefix: '/assets/' });
    const favicon = readFileSync(path.join(build.dir, 'favicon.svg'));
    app.get('/favicon.svg', async (_request, reply) => reply.type('image/svg+xml').send(favicon));
    fakeSigninApi(app, recorded);
    await app.listen({ host: '127.0.0.1', port });
    browser = await launchChromium();
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const suite: SigninPageSuite = {
    get base() {
      return base;
    },
    get browser() {
      if (!browser) throw new Error('the sign-in page suite is not started');
      return browser;
    },
    recorded,
    consoleErrors: [],
    async newContext(options) {
      context = await suite.browser.newContext(options);
      return context;
    },
    async open(url, width = 1024) {
      const page = await (await suite.newContext({ viewport: { width, height: 800 } })).newPage();
      page.on('console', (message) => {
        // A refused /auth call (401/423/429) is logged by Chromium as a failed resource; that is the
        // page working, not an error in it. Anything else, including CSP violations, counts.
        const failedApiCall =
          message.text().startsWith('Failed to load resource') &&
          /\/auth\/(login|mfa|unlock)/.test(message.location().url);
        if (message.type() === 'error' && !failedApiCall)
          suite.consoleErrors.push(`${message.text()} (${message.location().url})`);
      });
      page.on('pageerror', (error) => suite.consoleErrors.push(error.message));
      await page.goto(url);
      return page;
    },
    authorizeUrl(redirectUri = `${base}/portal/callback`) {
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: 'portal',
        redirect_uri: redirectUri,
        code_challenge: CHALLENGE,
        code_challenge_method: 'S256',
        state: STATE,
      });
      return `${base}/oauth2/authorize?${query}`;
    },
  };

  afterEach(async () => {
    await context?.close();
    context = undefined;
    const errors = suite.consoleErrors;
    suite.consoleErrors = [];
    expect(errors).toEqual([]);
  });

  return suite;
}

export async function expectAxeClean(page: Page): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(WCAG_22_AA).analyze();
  expect(
    result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
  ).toEqual([]);
}

export const focusedId = (page: Page) => page.evaluate<string>("document.activeElement?.id ?? ''");
export const focusedText = (page: Page) =>
  page.evaluate<string>("document.activeElement?.textContent?.trim() ?? ''");
export const focusedHref = (page: Page) =>
  page.evaluate<string>("document.activeElement?.getAttribute('href') ?? ''");
export const summary = (page: Page) => page.locator('.nhsuk-error-summary');
export const focusedSummary = (page: Page) =>
  page.evaluate<boolean>("document.activeElement?.classList.contains('nhsuk-error-summary') ?? false");
