/**
 * The web portal (web/) built with Vite into a temporary folder, for the browser suites to serve
 * (PORTAL_WEB_DIR, or the sign-in page's webDir). Tests never write dist/web, so a developer's own
 * build and other people's runs are left alone.
 *
 * One build serves every suite: the folder is named by a hash of what the build reads (web/'s
 * sources and what they import from src/, the lockfile, the build's flags), so the suites of a run, and later runs on unchanged
 * sources, share it, and a changed source builds a new one. Suites running in parallel wait for
 * the one that builds (a lock folder) instead of building the same thing twice on a busy machine.
 *
 * When dist/web is current by bin/build.js's own rule (its stamp newer than every input), the
 * suites read it instead and nothing is built: CI's `npm ci` has just built it (prepare), and a
 * developer who ran `npm run build` or `npm start` has too. It is the same production build, with
 * source maps besides; the suites only read it.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PREFIX = 'pathways-web-build-';
const BUILD_TIMEOUT_MS = 240_000;
/** A lock older than this is a builder that died: the next suite takes it over. */
const STALE_LOCK_MS = BUILD_TIMEOUT_MS + 60_000;
/** Builds of other sources are removed once this old (other checkouts may be using recent ones). */
const OLD_BUILD_MS = 24 * 3_600_000;

/** What web/ imports from the server's sources (bin/build.js lists the same). */
const WEB_IMPORTS_FROM_SRC = ['src/platform/time/london-time.ts'];
/** bin/build.js's web target: its inputs and the stamp it writes after a build. */
const DIST_WEB = path.join(ROOT, 'dist', 'web');
const DIST_WEB_STAMP = path.join(DIST_WEB, '.web-built');
const DIST_WEB_INPUTS = ['web', ...WEB_IMPORTS_FROM_SRC, 'package-lock.json'];

const VITE_ARGS = ['build', '--config', 'web/vite.config.ts', '--sourcemap', 'false', '--logLevel', 'error'];

export interface WebBuild {
  dir: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true })
    .filter((entry) => entry.name !== 'node_modules')
    .flatMap((entry) => {
      const relative = `${dir}/${entry.name}`;
      if (entry.isDirectory()) return sourceFiles(relative);
      return entry.name.endsWith('.test.ts') ? [] : [relative];
    })
    .sort();
}

/** What names the build: the sources Vite reads, the dependencies' versions and the flags. */
export function webBuildKey(): string {
  const hash = createHash('sha256').update(VITE_ARGS.join(' '));
  for (const file of [...sourceFiles('web'), ...WEB_IMPORTS_FROM_SRC, 'package-lock.json']) {
    hash.update(`\0${file}\0`).update(readFileSync(path.join(ROOT, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

async function viteBuild(outDir: string): Promise<void> {
  try {
    await run(
      process.execPath,
      [path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), ...VITE_ARGS, '--outDir', outDir],
      // vitest runs with NODE_ENV=test, which would give React's development build.
      {
        cwd: ROOT,
        timeout: BUILD_TIMEOUT_MS,
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, NODE_ENV: 'production' },
      },
    );
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`the web app did not build:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

function removeOldBuilds(keep: string): void {
  for (const name of readdirSync(tmpdir())) {
    if (!/^pathways-web-build-[0-9a-f]{16}$/.test(name) || name === keep) continue;
    const dir = path.join(tmpdir(), name);
    try {
      if (Date.now() - statSync(dir).mtimeMs > OLD_BUILD_MS) rmSync(dir, { recursive: true, force: true });
    } catch {
      // Another run removed it first.
    }
  }
}

/** Takes the lock folder, or answers false while another live builder holds it. */
function tryLock(lock: string): boolean {
  try {
    mkdirSync(lock);
    return true;
  } catch {
    try {
      if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
    } catch {
      // Released meanwhile: the next round takes it.
    }
    return false;
  }
}

/** The newest modification time under `relative` (bin/build.js's staleness rule, read only). */
function newestMtime(relative: string): number {
  const target = path.join(ROOT, relative);
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(target)) {
    if (entry !== 'node_modules' && entry !== 'dist')
      latest = Math.max(latest, newestMtime(`${relative}/${entry}`));
  }
  return latest;
}

/** dist/web, when bin/build.js built it after the last change to anything it is built from. */
export function currentDistBuild(): WebBuild | undefined {
  if (!existsSync(DIST_WEB_STAMP) || !existsSync(path.join(DIST_WEB, 'index.html'))) return undefined;
  const built = statSync(DIST_WEB_STAMP).mtimeMs;
  return DIST_WEB_INPUTS.every((input) => newestMtime(input) <= built) ? { dir: DIST_WEB } : undefined;
}

/** The build of the current sources: dist/web when current, else built now if no suite has yet. */
export async function buildWebApp(): Promise<WebBuild> {
  const dist = currentDistBuild();
  if (dist) return dist;
  const name = `${PREFIX}${webBuildKey()}`;
  const dir = path.join(tmpdir(), name);
  const lock = `${dir}.lock`;
  const deadline = Date.now() + STALE_LOCK_MS + BUILD_TIMEOUT_MS;
  while (!existsSync(path.join(dir, 'index.html'))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for the web build in ${dir}`);
    if (!tryLock(lock)) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      continue;
    }
    try {
      if (existsSync(path.join(dir, 'index.html'))) break;
      // Built aside and renamed into place, so a suite never sees half a build.
      const building = `${dir}.${process.pid}.building`;
      rmSync(building, { recursive: true, force: true });
      try {
        await viteBuild(building);
        rmSync(dir, { recursive: true, force: true });
        renameSync(building, dir);
      } finally {
        rmSync(building, { recursive: true, force: true });
      }
      removeOldBuilds(name);
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  return { dir };
}
