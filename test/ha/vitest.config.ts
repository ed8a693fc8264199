import { defineConfig } from 'vitest/config';

/**
 * `npm run test:ha`: the availability suite (docs/deployment.md). Opt-in, not part of `npm test`:
 * it needs Debian's haproxy, patroni and etcd-server (it says which are missing) and takes minutes.
 */
export default defineConfig({
  test: {
    include: ['test/ha/**/*.ha-test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 300_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
  },
});
