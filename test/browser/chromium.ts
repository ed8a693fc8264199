/**
 * Real-browser tests run in Debian's Chromium (`apt-get install chromium`) driven by playwright-core:
 * nothing downloads a browser. Suites skip with a printed reason when the binary is missing, unless
 * REQUIRE_BROWSER=1 (CI), where a missing browser fails the run instead of silently testing less.
 */
import { accessSync, constants } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { describe } from 'vitest';

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

/**
 * `describe` for suites that need Chromium. Missing browser: prints why and skips, or throws when
 * REQUIRE_BROWSER=1 so CI cannot go green without running them.
 */
export function describeBrowser(name: string, body: () => void): void {
  if (chromiumAvailable()) {
    describe(name, body);
    return;
  }
  if (process.env.REQUIRE_BROWSER === '1') {
    throw new Error(
      `REQUIRE_BROWSER=1 but Chromium is not at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_BIN)`,
    );
  }
  console.warn(
    `Browser suite "${name}" skipped: Chromium not found at ${CHROMIUM_PATH} (apt-get install chromium)`,
  );
  describe.skip(name, body);
}
