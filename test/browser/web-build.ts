/**
 * Builds the web portal (web/) with Vite into a fresh temporary folder, for a browser suite to
 * serve through PORTAL_WEB_DIR. Tests never write dist/web, so a developer's own build and other
 * people's runs are left alone.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface WebBuild {
  dir: string;
  remove(): void;
}

export async function buildWebApp(): Promise<WebBuild> {
  const dir = mkdtempSync(path.join(tmpdir(), 'pathways-web-build-'));
  try {
    await run(
      process.execPath,
      [
        path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
        'build',
        '--config',
        path.join(ROOT, 'web', 'vite.config.ts'),
        '--outDir',
        dir,
        '--sourcemap',
        'false',
        '--logLevel',
        'error',
      ],
      // vitest runs with NODE_ENV=test, which would give React's development build.
      {
        cwd: ROOT,
        timeout: 240_000,
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, NODE_ENV: 'production' },
      },
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`the web app did not build:\n${stdout ?? ''}${stderr ?? ''}`);
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
