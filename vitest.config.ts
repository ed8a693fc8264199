import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    // A file whose suites all need a missing nats-server or Chromium registers none and says so
    // (test/requirements.ts); .ci/run sets REQUIRE_* so there a missing dependency fails instead.
    passWithNoTests: true,
  },
});
