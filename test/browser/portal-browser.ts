/**
 * A Chromium tab on the portal for the browser suites: every console error or warning and every
 * uncaught exception is recorded (a refused API call the test provoked on purpose is allowed by
 * name), pages are scanned with axe for WCAG 2.2 AA, and screenshots go to docs/screenshots when
 * PORTAL_SCREENSHOTS=1.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { sidewaysOverflow } from './chromium.js';

export const WCAG_22_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

export interface Tab {
  page: Page;
  width: number;
  /** Console errors and warnings, and uncaught exceptions, so far. */
  problems: string[];
  /** A refused call the test makes happen (e.g. the step-up 401): its console line is expected. */
  allowFailedCall(url: RegExp): void;
  close(): Promise<void>;
}

export async function openTab(browser: Browser, base: string, width: number): Promise<Tab> {
  const context: BrowserContext = await browser.newContext({
    viewport: { width, height: 900 },
    baseURL: base,
  });
  const page = await context.newPage();
  const problems: string[] = [];
  const allowed: RegExp[] = [];
  page.on('console', (message) => {
    if (message.type() !== 'error' && message.type() !== 'warning') return;
    const url = message.location().url;
    const expectedRefusal =
      message.text().startsWith('Failed to load resource') && allowed.some((pattern) => pattern.test(url));
    if (!expectedRefusal) problems.push(`${message.type()}: ${message.text()} (${url})`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  return {
    page,
    width,
    problems,
    allowFailedCall: (url) => allowed.push(url),
    close: () => context.close(),
  };
}

/** Zero axe violations for WCAG 2.0–2.2 A and AA on the page as it is now. */
export async function expectAccessible(tab: Tab, what: string): Promise<void> {
  const result = await new AxeBuilder({ page: tab.page }).withTags(WCAG_22_AA).analyze();
  const violations = result.violations.map(
    (violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
  );
  expect(violations, `axe on ${what} at ${tab.width} px`).toEqual([]);
}

/** Nothing wider than the screen: no sideways scrolling at 320 px (WCAG 1.4.10 reflow), in any font. */
export async function expectNoSidewaysScroll(tab: Tab, what: string): Promise<void> {
  const overflow = await sidewaysOverflow(tab.page);
  expect(overflow, `sideways scrolling on ${what} at ${tab.width} px`).toEqual({ pageFonts: 0, wideFont: 0 });
}

export async function screenshot(tab: Tab, name: string): Promise<void> {
  if (process.env.PORTAL_SCREENSHOTS !== '1') return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  const size = tab.width <= 400 ? 'mobile' : 'desktop';
  await tab.page.screenshot({ path: `${SCREENSHOTS}portal-${name}-${size}.png`, fullPage: true });
}

/** Scan, check reflow and (optionally) photograph the page as it is now. */
export async function check(tab: Tab, name: string, shoot = false): Promise<void> {
  await expectAccessible(tab, name);
  if (tab.width <= 400) await expectNoSidewaysScroll(tab, name);
  if (shoot) await screenshot(tab, name);
}

// Browser-side code as text: this package's TypeScript has no DOM types (it is Node code).
const FOCUSED_TEXT = `(() => {
  const element = document.activeElement;
  if (!element) return '';
  const label = element.id ? document.querySelector('label[for="' + element.id + '"]')?.textContent : undefined;
  return (label ?? element.getAttribute('aria-label') ?? element.textContent ?? '').replace(/\\s+/g, ' ').trim();
})()`;

const focused = (page: Page) => page.evaluate<string>(FOCUSED_TEXT);

/** The id of the focused element. */
export const focusedId = (page: Page) => page.evaluate<string>("document.activeElement?.id ?? ''");

/** Client-side navigation, as the app's own links do it (history entry + popstate). */
export const goInApp = (page: Page, path: string) =>
  page.evaluate(
    `history.pushState(null, '', ${JSON.stringify(path)}); dispatchEvent(new PopStateEvent('popstate'))`,
  );

/** What the page keeps in the browser's storage: [localStorage keys, sessionStorage keys]. */
export const storedKeys = (page: Page) =>
  page.evaluate<[string[], string[]]>('[Object.keys(localStorage), Object.keys(sessionStorage)]');

/** Keyboard only: Tab (at most `limit` times) until the focused element's text or label matches. */
export async function tabTo(page: Page, wanted: RegExp, limit = 60): Promise<void> {
  const seen: string[] = [];
  for (let step = 0; step < limit; step++) {
    await page.keyboard.press('Tab');
    const text = await focused(page);
    if (wanted.test(text)) return;
    seen.push(text);
  }
  throw new Error(`Tab never reached ${wanted}; focus went through: ${seen.join(' | ')}`);
}

/** The text of the focused element (e.g. the page's h1 after a change of page). */
export const focusedText = focused;

export async function typeInto(page: Page, label: string | RegExp, text: string): Promise<void> {
  await page.getByLabel(label, { exact: typeof label === 'string' }).fill(text);
}
