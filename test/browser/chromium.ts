/**
 * Real-browser tests run in Debian's Chromium (`apt-get install chromium`) driven by playwright-core:
 * nothing downloads a browser. Without the binary the suites are not run, with a printed reason, and
 * under REQUIRE_BROWSER=1 (CI) a missing browser fails the run (test/requirements.ts).
 */
import { accessSync, constants } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { describe } from 'vitest';
import { required } from '../requirements.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** One browser per test file: launching is the slow part on a loaded machine. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // No sandbox: CI runs as root in a container; the rest keep Chromium off the (closed) network.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** `describe` for suites that need Chromium: registered only when it is there (test/requirements.ts). */
export function describeBrowser(name: string, body: () => void): void {
  const available = required(
    chromiumAvailable(),
    'BROWSER',
    `Chromium is not at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_BIN)`,
  );
  if (available) describe(name, body);
}

/**
 * Overflow with the page's own fonts, then again with every element forced to the machine's
 * monospace font. Which fonts a machine has decides how wide text is (Arial where installed, else
 * a wider fallback such as DejaVu), so a page that fits only with narrow fonts passes on one machine
 * and fails on the next; monospace is wider than the proportional fonts a browser falls back to,
 * so a page that fits in it fits in whatever the reader's device has. The override is made through
 * the CSSOM (allowed by the CSP, unlike an injected style sheet) and removed afterwards.
 */
const OVERFLOW_IN_PAGE_AND_WIDE_FONTS = `(() => {
  const overflow = () => Math.max(0, document.documentElement.scrollWidth - window.innerWidth);
  const pageFonts = overflow();
  const elements = [...document.querySelectorAll('*')];
  for (const element of elements) element.style.setProperty('font-family', 'monospace', 'important');
  const wideFont = overflow();
  for (const element of elements) element.style.removeProperty('font-family');
  return { pageFonts, wideFont };
})()`;

export function sidewaysOverflow(page: Page): Promise<{ pageFonts: number; wideFont: number }> {
  return page.evaluate<{ pageFonts: number; wideFont: number }>(OVERFLOW_IN_PAGE_AND_WIDE_FONTS);
}
