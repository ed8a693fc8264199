/** The whole service in-process on a fresh test database, for HTTP tests through inject(). */
import { type BuildOptions, buildPathways, type Pathways } from '../src/app.js';
import { loadConfig } from '../src/platform/config/config.js';
import { createLogger } from '../src/platform/logging/logger.js';
import { type DatabaseKind, type NewDatabase, newTestDatabase } from './databases.js';
import { expectCatalogued } from './events/emitted.js';
import { type TokenInput, tokenFor } from './tokens.js';

export interface TestApp {
  pathways: Pathways;
  /** Where the app's database is (the app holds the only connection). */
  database: NewDatabase;
  /** `Authorization` header value for a caller with these roles (see test/tokens.ts). */
  bearer(input: TokenInput): Promise<string>;
  close(): Promise<void>;
}

export const TEST_PUBLIC_URL = 'http://pathways.test';

export async function startTestApp(
  kind: DatabaseKind,
  env: Record<string, string> = {},
  options: BuildOptions = {},
): Promise<TestApp> {
  // Not opened here: the app opens its own connection (PGlite's folder has a single owner, and
  // opening it twice would start PGlite twice).
  const database = await newTestDatabase(kind);
  const fullEnv: Record<string, string> = {
    DATA_DIR: database.dataDir,
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    PUBLIC_URL: TEST_PUBLIC_URL,
    LOG_LEVEL: 'silent',
    MLLP_PORT: '0',
    // PGlite's start-up blocks the event loop; shedding is tested on its own (server.test.ts).
    MAX_EVENT_LOOP_DELAY_MS: '0',
    ...env,
  };
  const config = loadConfig(fullEnv);
  // Capabilities read their own settings from the same environment, never the test process's.
  const pathways = await buildPathways(config, createLogger({ level: 'silent' }), fullEnv, options);
  return {
    pathways,
    database,
    bearer: (input) => tokenFor(pathways, TEST_PUBLIC_URL, input),
    async close() {
      // Every event this app's flows emitted must be in the events catalogue (docs/asyncapi.yaml).
      const uncatalogued = await expectCatalogued(pathways.db, pathways.outbox).catch(
        (error: unknown) => error,
      );
      await pathways.stop();
      await database.dispose();
      if (uncatalogued) throw uncatalogued;
    },
  };
}
