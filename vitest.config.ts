import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

const ROOT = fileURLToPath(new URL('.', import.meta.url));
const INCLUDE = ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/**/*.test.ts'];

/**
 * Test files that replace a module (`vi.mock`, `vi.doMock`) or a global (`vi.stubGlobal`): they need
 * a module graph of their own, since a module an earlier file loaded in the same worker keeps its
 * real import and a stubbed global would stay for the files after.
 */
function filesNeedingIsolation(): string[] {
  const found: string[] = [];
  const visit = (dir: string) => {
    for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const relative = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') visit(relative);
      } else if (entry.name.endsWith('.test.ts')) {
        const text = readFileSync(path.join(ROOT, relative), 'utf8');
        if (/\bvi\.(mock|doMock|stubGlobal)\(/.test(text)) found.push(relative);
      }
    }
  };
  for (const dir of ['src', 'test', 'web']) visit(dir);
  return found;
}

const isolated = filesNeedingIsolation();

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    // A file whose suites all need a missing nats-server or Chromium registers none and says so
    // (test/requirements.ts); .ci/run sets REQUIRE_* so there a missing dependency fails instead.
    passWithNoTests: true,
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: INCLUDE,
          exclude: [...configDefaults.exclude, ...isolated],
          // A worker runs its files one after another on one module graph: the service's modules,
          // the FHIR definitions and the validation tables are loaded once per worker instead of
          // once per file (about half the CPU of a suite that starts an app). Every suite still
          // gets its own database and app, and closes them.
          isolate: false,
        },
      },
      { extends: true, test: { name: 'isolated', include: isolated, isolate: true } },
    ],
  },
});
