/**
 * `npm start` as a newcomer and a supervisor meet it: it says what it builds (nothing when the
 * build is current), serves the demo, and the process the supervisor started is the one that
 * drains: SIGTERM to npm stops the server and frees the port and the data folder, leaving no
 * orphan behind.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { childEnv } from '../child-env.js';
import { httpRequest } from './http.js';
import { freePort, REPO_ROOT } from './server-process.js';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pathways-npm-start-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

const answers = (base: string) =>
  httpRequest(base, { path: '/healthz', timeoutMs: 1_000 }).then(
    (response) => response.status === 200,
    () => false,
  );

it(
  'builds only what is stale, serves the demo, and drains and exits on SIGTERM to npm',
  { timeout: 240_000 },
  async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const npm = spawn('npm', ['start', '--silent'], {
      cwd: REPO_ROOT,
      env: {
        ...childEnv(),
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        MLLP_PORT: '0',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
    };
    npm.stdout.on('data', collect);
    npm.stderr.on('data', collect);
    const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    try {
      expect(await until(() => answers(base), 180_000), output).toBe(true);
      expect(await until(async () => output.includes('Pathways demo'), 30_000), output).toBe(true);
      expect(output).toMatch(
        /pathways: (the build is up to date|built the server in|built the web portal in)/,
      );
      expect(output).toContain(`--base http://localhost:${port}`);
      expect(existsSync(path.join(dataDir, 'pglite.lock'))).toBe(true);

      const signalled = Date.now();
      npm.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(10_000);
      // The server itself is gone: nothing answers, and it let go of the data folder.
      expect(await answers(base)).toBe(false);
      expect(existsSync(path.join(dataDir, 'pglite.lock'))).toBe(false);
    } finally {
      npm.kill('SIGKILL');
    }
  },
);
