/**
 * The container image (docs/api.md §13; docs/deployment.md), checked without a Docker
 * engine (none on these machines): the Dockerfile's shape (stages, non-root USER, STOPSIGNAL,
 * HEALTHCHECK, no secret), every file it copies exists and is in the build context, and the
 * runtime image's layout, assembled here the way its COPY lines lay it out, starts and serves.
 *
 * The runtime layout's node_modules holds exactly the production packages `npm ci --omit=dev`
 * installs: the lockfile's non-dev packages, hard-linked from this checkout's node_modules (a
 * copy in seconds; a real install would need the registry and minutes). Hard links, not
 * symlinks: Node resolves a symlinked package to its real path, where the dev packages sit too,
 * and a missing production dependency would go unnoticed.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childEnv } from '../child-env.js';
import { databaseKinds } from '../databases.js';
import { createProcessDatabase, type ProcessDatabase } from '../process/process-database.js';
import { freePort, REPO_ROOT } from '../process/server-process.js';
import { copiesOf, execForm, inBuildContext, parseDockerfile, type Stage } from './dockerfile.js';

const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
const dockerignore = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8');
const stages = parseDockerfile(dockerfile);
const runtime = stages.at(-1)!;
const stageNamed = (name: string) => stages.find((stage) => stage.name === name);
const argsOf = (stage: Stage, keyword: string) =>
  stage.instructions.filter((instruction) => instruction.keyword === keyword).map((i) => i.args);

/** ENV lines (`A=1 B=2`) as a map. */
function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const args of argsOf(stage, 'ENV')) {
    for (const pair of args.split(' ')) {
      const [name, ...value] = pair.split('=');
      if (name) env[name] = value.join('=');
    }
  }
  return env;
}

/** Every file under `dir` (relative to the repository), skipping node_modules. */
function filesUnder(dir: string): string[] {
  const absolute = path.join(REPO_ROOT, dir);
  if (statSync(absolute).isFile()) return [dir];
  return readdirSync(absolute, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(REPO_ROOT, path.join(entry.parentPath, entry.name)))
    .filter((file) => !file.split(path.sep).includes('node_modules'));
}

/** The lockfile's top-level production packages present here (the platform's optional ones only). */
function productionPackages(): string[] {
  const lock = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  return Object.entries(lock.packages)
    .filter(([key, entry]) => key.startsWith('node_modules/') && !entry.dev)
    .map(([key]) => key.slice('node_modules/'.length))
    .filter((name) => !name.includes('/node_modules/'))
    .filter((name) => existsSync(path.join(REPO_ROOT, 'node_modules', name)));
}

/** `npm ci --omit=dev`'s node_modules, hard-linked into `target`. */
function linkProductionModules(target: string): void {
  const byScope = new Map<string, string[]>();
  for (const name of productionPackages()) {
    const scope = name.includes('/') ? name.split('/')[0]! : '';
    byScope.set(scope, [...(byScope.get(scope) ?? []), path.join(REPO_ROOT, 'node_modules', name)]);
  }
  for (const [scope, sources] of byScope) {
    const dir = path.join(target, scope);
    mkdirSync(dir, { recursive: true });
    execFileSync('cp', ['-al', ...sources, `${dir}/`]);
  }
}

/** What each stage's `/app/<path>` holds after its build, as a path in this (built) checkout. */
function stageOutput(stage: string, source: string): string {
  const relative = path.posix.relative('/app', source);
  if (stage === 'deps' && relative === 'node_modules') return 'node_modules';
  return relative;
}

/** Lays out the runtime stage's files in `root` as its COPY lines do. */
function assembleRuntime(root: string): void {
  for (const copy of copiesOf(runtime)) {
    const destination = path.resolve(root, copy.destination.replace(/^\.\//, ''));
    for (const source of copy.sources) {
      const from = copy.from ? stageOutput(copy.from, source) : source;
      const target =
        copy.sources.length > 1 || copy.destination.endsWith('/')
          ? path.join(destination, path.basename(from))
          : destination;
      if (copy.from === 'deps' && from === 'node_modules') {
        linkProductionModules(target);
        continue;
      }
      const absolute = path.join(REPO_ROOT, from);
      if (statSync(absolute).isFile()) {
        mkdirSync(path.dirname(target), { recursive: true });
        cpSync(absolute, target);
      } else {
        // Only what the build context holds: a file .dockerignore leaves out is not in the image.
        cpSync(absolute, target, {
          recursive: true,
          filter: (file) =>
            statSync(file).isDirectory() ||
            copy.from !== undefined ||
            inBuildContext(dockerignore, path.relative(REPO_ROOT, file)),
        });
      }
    }
  }
}

describe('the Dockerfile', () => {
  it('builds in stages and runs the service as an unprivileged user, stopped by SIGTERM', () => {
    expect(stages.map((stage) => stage.name)).toEqual(['build', 'deps', 'runtime']);
    for (const stage of stages) expect(stage.base).toBe(`\${NODE_IMAGE}`);
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    expect(argsOf(stageNamed('build')!, 'RUN')).toEqual(
      expect.arrayContaining([expect.stringMatching(/^npm ci /), 'npm run build']),
    );
    expect(argsOf(stageNamed('deps')!, 'RUN').join(' ')).toMatch(/npm ci --omit=dev/);

    const users = argsOf(runtime, 'USER');
    expect(users).toHaveLength(1);
    // Numeric, so that Kubernetes can verify runAsNonRoot; not root.
    expect(users[0]).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/);
    expect(argsOf(runtime, 'STOPSIGNAL')).toEqual(['SIGTERM']);
    expect(execForm(argsOf(runtime, 'ENTRYPOINT')[0]!)).toEqual(['node', 'bin/pathways.js']);
    expect(execForm(argsOf(runtime, 'CMD')[0]!)).toEqual(['serve']);
    expect(envOf(runtime)).toMatchObject({ NODE_ENV: 'production', HOST: '0.0.0.0' });
    const healthcheck = argsOf(runtime, 'HEALTHCHECK')[0] ?? '';
    const command = execForm(healthcheck.slice(healthcheck.indexOf('CMD ') + 4))!;
    // The slim image has no curl: node itself asks /healthz.
    expect(command[0]).toBe('node');
    expect(command.join(' ')).toContain('/healthz');
  });

  it('bakes in no secret and sends no local data to the build', () => {
    const settings = [...stages.flatMap((stage) => [...argsOf(stage, 'ENV'), ...argsOf(stage, 'ARG')])].join(
      ' ',
    );
    expect(settings).not.toMatch(/SECRET|PASSWORD|TOKEN|API_KEY|DATABASE_URL|PKI_/i);
    for (const file of [
      'data/keys/secret.key',
      'data/pglite/PG_VERSION',
      '.env',
      'src/.env.local',
      'node_modules/pg/package.json',
      'dist/cli.js',
      '.git/config',
      'src/platform/database/migrate.test.ts',
    ]) {
      expect(inBuildContext(dockerignore, file), file).toBe(false);
    }
  });

  it('copies only files that exist, are in the build context, or an earlier stage made', () => {
    const problems: string[] = [];
    stages.forEach((stage, index) => {
      for (const copy of copiesOf(stage)) {
        for (const source of copy.sources) {
          if (copy.from) {
            const producer = stages.findIndex((other) => other.name === copy.from);
            if (producer < 0 || producer >= index) problems.push(`${source}: no earlier stage ${copy.from}`);
            else if (!existsSync(path.join(REPO_ROOT, stageOutput(copy.from, source)))) {
              problems.push(
                `${source} from ${copy.from}: ${stageOutput(copy.from, source)} missing after the build`,
              );
            }
            continue;
          }
          if (!existsSync(path.join(REPO_ROOT, source))) {
            problems.push(`${source}: missing`);
            continue;
          }
          const files = filesUnder(source);
          if (files.length === 0) problems.push(`${source}: empty`);
          for (const file of files) {
            if (!inBuildContext(dockerignore, file) && !/\.(test|bench)\.ts$/.test(file)) {
              problems.push(`${file}: left out of the build context by .dockerignore`);
            }
          }
        }
      }
    });
    // Every file the build scripts name is in the build stage before `npm run build` runs.
    const scripts = (
      JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    const copiedForBuild = copiesOf(stageNamed('build')!).flatMap((copy) => copy.sources);
    for (const script of ['build', 'build:web']) {
      for (const word of (scripts[script] ?? '').split(/\s+/)) {
        if (!/[./]/.test(word) || !existsSync(path.join(REPO_ROOT, word))) continue;
        const copied = copiedForBuild.some((source) => word === source || word.startsWith(`${source}/`));
        if (!copied) problems.push(`${word} (npm run ${script}) is not copied into the build stage`);
      }
    }
    expect(problems).toEqual([]);
    // What the build stage produces: the server and the portal.
    expect(existsSync(path.join(REPO_ROOT, 'dist/cli.js'))).toBe(true);
    expect(existsSync(path.join(REPO_ROOT, 'dist/web/index.html'))).toBe(true);
  });
});

describe('the runtime image laid out as its COPY lines say', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'pathways-image-'));
  let database: ProcessDatabase | undefined;
  let child: ChildProcess | undefined;
  afterAll(async () => {
    child?.kill('SIGKILL');
    await database?.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  it(
    'starts from its entrypoint with only production dependencies, serves, passes its HEALTHCHECK and stops on SIGTERM',
    {
      timeout: 300_000,
    },
    async () => {
      assembleRuntime(root);
      expect(readdirSync(root).sort()).toEqual([
        'bin',
        'dist',
        'migrations',
        'node_modules',
        'package.json',
        'test',
      ]);
      // Dev tools are not there.
      for (const dev of ['typescript', 'vitest', 'vite', 'tsx', '@biomejs/biome']) {
        expect(existsSync(path.join(root, 'node_modules', dev)), dev).toBe(false);
      }
      // Migrated already: the layout is under test here, not migrations (which run at start too).
      database = await createProcessDatabase(databaseKinds.at(-1)!, { migrated: true });
      const port = await freePort();
      const [command, ...args] = [
        ...execForm(argsOf(runtime, 'ENTRYPOINT')[0]!)!,
        ...execForm(argsOf(runtime, 'CMD')[0]!)!,
      ];
      expect(command).toBe('node');
      const env = {
        ...childEnv(),
        ...envOf(runtime),
        // Loopback only in a test, and a data folder of the test's own.
        HOST: '127.0.0.1',
        PORT: String(port),
        DATA_DIR: path.join(root, 'data'),
        ...(database.url ? { DATABASE_URL: database.url } : {}),
        LOG_LEVEL: 'warn',
        MLLP_PORT: '0',
      };
      let output = '';
      child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout?.on('data', (chunk) => {
        output += chunk;
      });
      child.stderr?.on('data', (chunk) => {
        output += chunk;
      });
      const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
      let ready = false;
      let gone = false;
      void exited.then(() => {
        gone = true;
      });
      // Generous: on a loaded machine (the process suites run beside this one) a start takes long.
      for (let tries = 0; tries < 1_800 && !ready && !gone; tries++) {
        ready = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
          (response) => response.status === 200,
          () => false,
        );
        if (!ready) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(ready, output).toBe(true);

      const portal = await fetch(`http://127.0.0.1:${port}/`);
      expect(portal.status).toBe(200);
      expect(await portal.text()).toContain('<div id="app"');
      const signin = await fetch(`http://127.0.0.1:${port}/oauth2/authorize?response_type=code`);
      expect(signin.status).toBeLessThan(500);
      // The sign-in page is the web build's signin.html: no source files are read at run time.
      const signinPage = await fetch(
        `http://127.0.0.1:${port}/oauth2/authorize?response_type=code&client_id=app` +
          '&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&code_challenge_method=S256' +
          '&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      );
      expect(signinPage.status).toBe(200);
      expect(await signinPage.text()).toContain('<div id="signin" data-redirect-uri="http://127.0.0.1:9/cb"');

      const healthcheck = argsOf(runtime, 'HEALTHCHECK')[0]!;
      const [checkCommand, ...checkArgs] = execForm(healthcheck.slice(healthcheck.indexOf('CMD ') + 4))!;
      expect(checkCommand).toBe('node');
      const healthy = execFileSync(process.execPath, checkArgs, { env, stdio: 'pipe' });
      expect(healthy.toString()).toBe('');

      child.kill('SIGTERM');
      expect(await exited, output).toBe(0);
      child = undefined;
    },
  );
});
