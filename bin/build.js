#!/usr/bin/env node
/**
 * Builds what is stale and says what it is doing: the server (tsc → dist/) when anything under
 * src/ or the TypeScript settings changed since the last build, the web portal (vite → dist/web/)
 * when anything under web/ did. `--force` rebuilds both. Used by `npm run build` and `npm start`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const at = (...parts) => path.join(root, ...parts);

const TARGETS = [
  {
    name: 'the server',
    tool: 'tsc',
    inputs: ['src', 'migrations', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'],
    stamp: at('dist', '.server-built'),
    command: [at('node_modules', 'typescript', 'bin', 'tsc'), '-p', at('tsconfig.build.json')],
  },
  {
    name: 'the web portal',
    tool: 'vite',
    // The portal's dates read the server's London clock (web/src/domain/dates.ts).
    inputs: ['web', 'src/platform/time/london-time.ts', 'package-lock.json'],
    stamp: at('dist', 'web', '.web-built'),
    command: [
      at('node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '--config',
      at('web', 'vite.config.ts'),
      '--logLevel',
      'warn',
    ],
  },
];

/** The newest modification time under the given paths (files and folders, recursively). */
function newest(paths) {
  let latest = 0;
  const visit = (target) => {
    if (!existsSync(target)) return;
    const stat = statSync(target);
    latest = Math.max(latest, stat.mtimeMs);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(target)) {
        if (entry !== 'node_modules' && entry !== 'dist') visit(path.join(target, entry));
      }
    }
  };
  for (const input of paths) visit(at(input));
  return latest;
}

function isStale(target) {
  return !existsSync(target.stamp) || newest(target.inputs) > statSync(target.stamp).mtimeMs;
}

export function buildIfStale({ force = false, log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const stale = TARGETS.filter((target) => force || isStale(target));
  if (stale.length === 0) {
    log('pathways: the build is up to date');
    return;
  }
  for (const target of stale) {
    const started = Date.now();
    log(`pathways: building ${target.name} (${target.tool})…`);
    const result = spawnSync(process.execPath, target.command, { cwd: root, stdio: 'inherit' });
    if (result.status !== 0) {
      log(`pathways: building ${target.name} failed`);
      process.exit(result.status ?? 1);
    }
    writeFileSync(target.stamp, `${new Date().toISOString()}\n`);
    log(`pathways: built ${target.name} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  buildIfStale({ force: process.argv.includes('--force') });
}
