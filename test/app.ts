/** The whole service in-process on a fresh test database, for HTTP tests through inject(). */
import { buildPathways, type Pathways } from '../src/app.js';
import { loadConfig } from '../src/platform/config/config.js';
import { createLogger } from '../src/platform/logging/logger.js';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from './databases.js';

export interface TestApp {
  pathways: Pathways;
  database: TestDatabase;
  close(): Promise<void>;
}

export async function startTestApp(kind: DatabaseKind, env: Record<string, string> = {}): Promise<TestApp> {
  const database = await createTestDatabase(kind);
  // The app opens its own connection; the test database's own one is closed to keep PGlite's
  // folder single-owner.
  await database.db.close();
  const config = loadConfig({
    DATA_DIR: database.dataDir,
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    PUBLIC_URL: 'http://pathways.test',
    LOG_LEVEL: 'silent',
    MLLP_PORT: '0',
    // PGlite's start-up blocks the event loop; shedding is tested on its own (server.test.ts).
    MAX_EVENT_LOOP_DELAY_MS: '0',
    ...env,
  });
  const pathways = await buildPathways(config, createLogger({ level: 'silent' }));
  return {
    pathways,
    database,
    async close() {
      await pathways.stop();
      await database.dispose();
    },
  };
}
