/**
 * The sign-in page in a real browser (Debian Chromium): the whole flow, errors, keyboard-only use,
 * a 320 px screen, axe WCAG 2.2 AA scans, and no console errors under the production CSP. The page
 * is the web build's signin.html (built here into a temporary folder, as the portal suite does) and
 * the sign-in API is faked with the documented answers, so this tests the page and nothing else.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { describeBrowser, launchChromium, sidewaysOverflow } from '../../../test/browser/chromium.js';
import { buildWebApp, type WebBuild } from '../../../test/browser/web-build.js';
import { registerSecurityHeaders } from '../../platform/http/security-headers.js';
import { signinPages } from './signin-pages.js';

const SCREENSHOTS = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));
const WCAG_22_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
// RFC 7636 appendix B's S256 challenge.
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const STATE = 'st&te=1 ünïcode';

interface Recorded {
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

describeBrowser('sign-in page in Chromium', () => {
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let build: WebBuild | undefined;
  let context: BrowserContext | undefined;
  let consoleErrors: string[] = [];
  const recorded: Recorded = { logins: [], callbacks: [], smsSent: [], unlocks: [] };

  beforeAll(async () => {
    build = await buildWebApp();
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
    build?.remove();
  });

  afterEach(async () => {
    await context?.close();
    context = undefined;
    const errors = consoleErrors;
    consoleErrors = [];
    expect(errors).toEqual([]);
  });

  async function open(url: string, width = 1024): Promise<Page> {
    context = await browser.newContext({ viewport: { width, height: 800 } });
    const page = await context.newPage();
    page.on('console', (message) => {
      // A refused /auth call (401/423/429) is logged by Chromium as a failed resource; that is the
      // page working, not an error in it. Anything else, including CSP violations, counts.
      const failedApiCall =
        message.text().startsWith('Failed to load resource') &&
        /\/auth\/(login|mfa|unlock)/.test(message.location().url);
      if (message.type() === 'error' && !failedApiCall)
        consoleErrors.push(`${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    await page.goto(url);
    return page;
  }

  function authorizeUrl(redirectUri = `${base}/portal/callback`): string {
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: 'portal',
      redirect_uri: redirectUri,
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
      state: STATE,
    });
    return `${base}/oauth2/authorize?${query}`;
  }

  async function expectAxeClean(page: Page): Promise<void> {
    const result = await new AxeBuilder({ page }).withTags(WCAG_22_AA).analyze();
    expect(
      result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    ).toEqual([]);
  }

  const focusedId = (page: Page) => page.evaluate<string>("document.activeElement?.id ?? ''");
  const focusedText = (page: Page) =>
    page.evaluate<string>("document.activeElement?.textContent?.trim() ?? ''");
  const focusedHref = (page: Page) =>
    page.evaluate<string>("document.activeElement?.getAttribute('href') ?? ''");
  const summary = (page: Page) => page.locator('.nhsuk-error-summary');
  const focusedSummary = (page: Page) =>
    page.evaluate<boolean>("document.activeElement?.classList.contains('nhsuk-error-summary') ?? false");

  it('signs in with username, password and code, and returns to the redirect_uri with code and state', async () => {
    const page = await open(authorizeUrl());
    await page.getByRole('heading', { level: 1, name: 'Sign in to Pathways' }).waitFor();
    await expect(page.title()).resolves.toBe('Sign in – Pathways');
    await expectAxeClean(page);
    await page.screenshot({ path: `${SCREENSHOTS}signin-password.png`, fullPage: true });

    await page.getByLabel('Email address or username').fill('alice');
    await page.getByLabel('Password').fill('correct horse');
    await page.getByRole('button', { name: 'Continue' }).click();

    const heading = page.getByRole('heading', { level: 1, name: 'Enter your security code' });
    await heading.waitFor();
    await expect(focusedText(page)).resolves.toBe('Enter your security code');
    await expect(page.title()).resolves.toBe('Enter your security code – Pathways');
    await expectAxeClean(page);
    await page.screenshot({ path: `${SCREENSHOTS}signin-code.png`, fullPage: true });

    await page.getByLabel('Security code').fill('000000');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('link', { name: 'The security code is not correct or has expired' }).waitFor();
    await expect(focusedSummary(page)).resolves.toBe(true);
    await expect(page.title()).resolves.toBe('Error: Enter your security code – Pathways');
    await expectAxeClean(page);

    // Signing in twice within the same 30 s: the code was just used, not wrong.
    await page.getByLabel('Security code').fill('222222');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page
      .getByRole('link', {
        name: 'This security code has just been used. Wait for the next code, then enter it',
      })
      .waitFor();

    await page.getByLabel('Security code').fill(' 123456 ');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(/\/portal\/callback\?/);

    expect(recorded.callbacks.at(-1)).toEqual({ code: 'code-abc', state: STATE });
    expect(recorded.logins.at(-1)).toEqual({
      username: 'alice',
      password: 'correct horse',
      codeChallenge: CHALLENGE,
      codeChallengeMethod: 'S256',
    });
  });

  it('texts a code to an SMS account, sends a new one on request, and signs in with it', async () => {
    const page = await open(authorizeUrl());
    await page.getByLabel('Email address or username').fill('bob');
    await page.getByLabel('Password').fill('correct horse');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { level: 1, name: 'Enter your security code' }).waitFor();
    await expect(page.locator('#otp-hint').textContent()).resolves.toMatch(/we texted to your mobile phone/);
    expect(recorded.smsSent).toEqual(['login-2']);
    await expectAxeClean(page);

    await page.getByRole('button', { name: 'Send me another code' }).click();
    await page.getByText('We have sent you another code.').waitFor();
    expect(recorded.smsSent).toEqual(['login-2', 'login-2']);

    await page.getByLabel('Security code').fill('111111');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('link', { name: 'The security code is not correct or has expired' }).waitFor();

    await page.getByLabel('Security code').fill('222222');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page
      .getByRole('link', { name: 'This security code has already been used. Ask for a new code' })
      .waitFor();

    await page.getByRole('button', { name: 'Send me another code' }).click();
    await page.getByRole('button', { name: 'Send me another code' }).click();
    await summary(page).getByText('You have tried too many times').waitFor();
    expect(recorded.smsSent).toEqual(['login-2', 'login-2', 'login-2']);
    await expectAxeClean(page);

    await page.getByLabel('Security code').fill('654321');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(/\/portal\/callback\?/);
    expect(recorded.callbacks.at(-1)).toEqual({ code: 'code-sms', state: STATE });
  });

  it('shows a wrong password in the error summary, focuses it, and links it to the field', async () => {
    const page = await open(authorizeUrl());
    await page.getByLabel('Email address or username').fill('alice');
    await page.getByLabel('Password').fill('wrong');
    await page.getByRole('button', { name: 'Continue' }).click();

    await summary(page).waitFor({ state: 'visible' });
    await expect(summary(page).textContent()).resolves.toContain(
      'Your email address or password is not correct',
    );
    await expect(focusedSummary(page)).resolves.toBe(true);
    await expect(page.title()).resolves.toBe('Error: Sign in – Pathways');
    await expect(page.locator('#password-error').textContent()).resolves.toContain(
      'Your email address or password is not correct',
    );
    await expectAxeClean(page);
    await page.screenshot({ path: `${SCREENSHOTS}signin-error.png`, fullPage: true });

    await summary(page).getByRole('link').click();
    await expect(focusedId(page)).resolves.toBe('password');
  });

  it('asks for both fields when they are empty', async () => {
    const page = await open(authorizeUrl());
    await page.getByRole('button', { name: 'Continue' }).click();
    await summary(page).waitFor({ state: 'visible' });
    await expect(summary(page).locator('li').allTextContents()).resolves.toEqual([
      'Enter your email address or username',
      'Enter your password',
    ]);
    expect(recorded.logins.filter((body) => (body as { username: string }).username === '')).toEqual([]);
  });

  it('says how long a locked account stays locked, from Retry-After', async () => {
    const page = await open(authorizeUrl());
    await page.getByLabel('Email address or username').fill('locked');
    await page.getByLabel('Password').fill('anything');
    await page.getByRole('button', { name: 'Continue' }).click();
    await summary(page).waitFor({ state: 'visible' });
    await expect(summary(page).locator('li').textContent()).resolves.toBe(
      'Your account is locked because of too many wrong attempts. Try again in 14 minutes.',
    );

    await page.getByLabel('Email address or username').fill('busy');
    await page.getByLabel('Password').fill('anything');
    await page.getByRole('button', { name: 'Continue' }).click();
    await summary(page).getByText('You have tried too many times. Wait 1 minute and try again.').waitFor();
  });

  it('offers a locked account an unlock step: a code sent to the holder, then sign in again', async () => {
    const page = await open(authorizeUrl(), 320);
    await page.getByLabel('Email address or username').fill('carol');
    await page.getByLabel('Password').fill('correct horse');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByText('Your account is locked. Unlock it with a code we send you').waitFor();
    await expectAxeClean(page);
    await page.getByRole('button', { name: 'Unlock my account' }).click();

    await page.getByRole('heading', { level: 1, name: 'Unlock your account' }).waitFor();
    await expect(focusedText(page)).resolves.toBe('Unlock your account');
    await expect(page.title()).resolves.toBe('Unlock your account – Pathways');
    await page.getByRole('button', { name: 'Send me an unlock code' }).click();
    await page.getByRole('status').getByText('If your account can be unlocked this way').waitFor();
    expect(recorded.unlocks.at(-1)).toEqual({ username: 'carol' });
    await expectAxeClean(page);
    await page.screenshot({ path: `${SCREENSHOTS}signin-unlock-320px.png`, fullPage: true });

    await page.getByLabel('Unlock code').fill('12345');
    await page.getByRole('button', { name: 'Unlock account' }).click();
    await page.getByRole('link', { name: 'The unlock code must be 6 numbers' }).waitFor();
    await page.getByLabel('Unlock code').fill('111111');
    await page.getByRole('button', { name: 'Unlock account' }).click();
    await page.getByRole('link', { name: /The unlock code is not correct or has expired/ }).waitFor();
    await expect(focusedSummary(page)).resolves.toBe(true);
    await expectAxeClean(page);
    const overflow = await page.evaluate<number>(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    expect(overflow).toBeLessThanOrEqual(0);

    await page.getByLabel('Unlock code').fill('246 810');
    await page.getByRole('button', { name: 'Unlock account' }).click();
    await page.getByText('Your account is unlocked. Sign in with your username and password.').waitFor();
    await expect(focusedText(page)).resolves.toBe('Sign in to Pathways');
    await expect(page.getByLabel('Email address or username').inputValue()).resolves.toBe('carol');
    await expectAxeClean(page);
    await page.getByLabel('Password').fill('correct horse');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { level: 1, name: 'Enter your security code' }).waitFor();
  });

  it('can be completed with the keyboard only (Tab, typing, Enter)', async () => {
    const page = await open(authorizeUrl());
    await page.getByRole('heading', { level: 1, name: 'Sign in to Pathways' }).waitFor();
    await page.keyboard.press('Tab');
    await expect(focusedText(page)).resolves.toBe('Skip to main content');
    // The header's two links to the portal's home page (logo and service name), then the form.
    await page.keyboard.press('Tab');
    await expect(focusedHref(page)).resolves.toBe('/');
    await page.keyboard.press('Tab');
    await expect(focusedHref(page)).resolves.toBe('/');
    await page.keyboard.press('Tab');
    await expect(focusedId(page)).resolves.toBe('username');
    await page.keyboard.type('alice');
    await page.keyboard.press('Tab');
    await expect(focusedId(page)).resolves.toBe('password');
    await page.keyboard.type('correct horse');
    await page.keyboard.press('Enter');

    await page.getByRole('heading', { level: 1, name: 'Enter your security code' }).waitFor();
    await expect(focusedText(page)).resolves.toBe('Enter your security code');
    await page.keyboard.press('Tab');
    await expect(focusedId(page)).resolves.toBe('otp');
    await page.keyboard.type('123456');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/portal\/callback\?/);
    expect(recorded.callbacks.at(-1)).toEqual({ code: 'code-abc', state: STATE });
  });

  it('fits a 320 px wide screen without horizontal scrolling, also with errors shown', async () => {
    const page = await open(authorizeUrl(), 320);
    const overflow = () => sidewaysOverflow(page);
    await page.getByRole('heading', { level: 1, name: 'Sign in to Pathways' }).waitFor();
    await expect(overflow()).resolves.toEqual({ pageFonts: 0, wideFont: 0 });
    await page.getByLabel('Email address or username').fill('alice');
    await page.getByLabel('Password').fill('wrong');
    await page.getByRole('button', { name: 'Continue' }).click();
    await summary(page).waitFor({ state: 'visible' });
    await expect(overflow()).resolves.toEqual({ pageFonts: 0, wideFont: 0 });
    await page.screenshot({ path: `${SCREENSHOTS}signin-error-320px.png`, fullPage: true });
  });

  it('refuses a redirect_uri on another origin with an accessible 400 page and no link to it', async () => {
    context = await browser.newContext();
    const page = await context.newPage();
    page.on('console', (message) => {
      // The 400 itself is reported as a failed load of the document; nothing else may be.
      if (message.type() === 'error' && !message.text().includes('400')) consoleErrors.push(message.text());
    });
    const response = await page.goto(authorizeUrl('https://evil.example/callback'));
    expect(response?.status()).toBe(400);
    await page
      .getByRole('heading', { level: 1, name: 'Sorry, there is a problem with this sign-in link' })
      .waitFor();
    await expect(page.content()).resolves.not.toContain('evil.example');
    await expectAxeClean(page);
  });
});
