/**
 * The portal suite's world: the web app's build of the current sources (web-build.ts), the whole
 * service in-process on a random port serving it, the journey's and the service desk's data
 * seeded, and one Chromium.
 */
import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../app.js';
import { launchChromium } from './chromium.js';
import { type DeskSeed, type JourneySeed, seedDesk, seedJourney } from './portal-seed.js';
import { buildWebApp } from './web-build.js';

/** The whole service (PGlite) serving the current web build on a random port, and one Chromium. */
export interface ServedPortal {
  t: TestApp;
  base: string;
  browser: Browser;
  close(): Promise<void>;
}

export interface PortalSuite extends ServedPortal {
  seed: JourneySeed;
  desk: DeskSeed;
}

/** Every browser suite's opening; `env` adds the suite's own settings. */
export async function servePortal(env: Record<string, string> = {}): Promise<ServedPortal> {
  const build = await buildWebApp();
  let t: TestApp | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await t?.close();
  };
  try {
    t = await startTestApp('pglite', { PORTAL_WEB_DIR: build.dir, ...env });
    await t.pathways.app.listen({ host: '127.0.0.1', port: 0 });
    const address = t.pathways.app.server.address();
    if (typeof address !== 'object' || !address) throw new Error('the service is not listening');
    browser = await launchChromium();
    return { t, base: `http://127.0.0.1:${address.port}`, browser, close };
  } catch (error) {
    await close();
    throw error;
  }
}

export async function startPortal(options: { stepUpS: number; worklistItems: number }): Promise<PortalSuite> {
  const served = await servePortal({
    STEP_UP_MAX_AGE_S: String(options.stepUpS),
    // Released results are visible at once (the delay itself is tested in src/portal/results).
    RESULT_RELEASE_DELAY_S: '0',
  });
  try {
    const seed = await seedJourney(served.t);
    const desk = await seedDesk(served.t, options.worklistItems);
    return { ...served, seed, desk };
  } catch (error) {
    await served.close();
    throw error;
  }
}
