/**
 * The service under measurement, shared by every suite: the bench database on PostgreSQL, the
 * service's environment for a measurement, and starting it as a child process (through tsx, or
 * compiled by tsc with --compiled).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Db } from '../report/report.js';
import { freePort, type Server, startServer } from './processes.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const PG_SERVER = (process.env['BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432').replace(
  /\/+$/,
  '',
);
export const PG_DATABASE = process.env['BENCH_PG_DATABASE'] ?? 'pathways_bench';
export const PG_URL = `${PG_SERVER}/${PG_DATABASE}`;

export async function recreateDatabase(): Promise<void> {
  const admin = new pg.Client({ connectionString: `${PG_SERVER}/postgres` });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${PG_DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${PG_DATABASE}`);
  } finally {
    await admin.end();
  }
}

export async function dropDatabase(): Promise<void> {
  const admin = new pg.Client({ connectionString: `${PG_SERVER}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${PG_DATABASE} WITH (FORCE)`).finally(() => admin.end());
}

/** Fresh planner statistics, so the planner sees seeded tables as they are. */
export async function vacuumAnalyze(): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  await client.query('VACUUM ANALYZE').finally(() => client.end());
}

let serverArgs = ['src/cli.ts', 'serve'];
/** What bench/harness/noauth-server.ts starts: the same tree as serverArgs. */
let serveModule = 'src/serve.ts';

/**
 * The service compiled into bench/.build/dist, not dist/ (other people's builds live there). The
 * compiled code finds migrations/, package.json and files under src/ (the sign-in page's assets)
 * one level up, hence the links.
 */
export function compileServer(): void {
  const build = path.join(ROOT, 'bench/.build');
  mkdirSync(build, { recursive: true });
  for (const name of ['migrations', 'package.json', 'src']) {
    if (!existsSync(path.join(build, name))) symlinkSync(path.join(ROOT, name), path.join(build, name));
  }
  const tsc = path.join(ROOT, 'node_modules/.bin/tsc');
  try {
    execFileSync(tsc, ['-p', 'tsconfig.build.json', '--outDir', path.join(build, 'dist')], {
      cwd: ROOT,
      stdio: 'inherit',
      timeout: 300_000,
    });
  } catch (error) {
    // tsc still emits on type errors (someone's work in progress); only a missing build is fatal.
    if (!existsSync(path.join(build, 'dist/cli.js'))) throw error;
    process.stdout.write('tsc reported errors; measuring what it emitted\n');
  }
  serverArgs = ['bench/.build/dist/cli.js', 'serve'];
  serveModule = 'bench/.build/dist/serve.js';
}

/**
 * Node flags that load bench preloads (TypeScript) into the server; startServer always loads tsx
 * first, so they work for the compiled server too.
 */
export function preloadFlags(...modules: string[]): string[] {
  return modules.flatMap((module) => ['--import', module]);
}

/** The service's configuration for a measurement (the port is added per start). */
export function serviceEnv(db: Db, dataDir: string, pool: number): Record<string, string> {
  return {
    HOST: '127.0.0.1',
    DATABASE_URL: db === 'postgres' ? PG_URL : '',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    // The configured maximum; the default (60,000 a minute per address) would stop the load.
    RATE_LIMIT_PER_MINUTE: '10000000',
    // Load shedding off: a saturated 2-core machine would otherwise answer 503s instead of queueing.
    MAX_EVENT_LOOP_DELAY_MS: '0',
    PATHWAYS_DEMO: '0',
    MLLP_PORT: '0',
    DB_POOL_SIZE: String(pool),
    // One process unless the run asks (`WORKERS=2 npm run bench …`): the server CPU figures read
    // the one pid the bench started, which under WORKERS>1 is the primary, not the workers.
    WORKERS: process.env['WORKERS'] ?? '1',
  };
}

export interface StartOptions {
  nodeFlags?: string[];
  env?: Record<string, string>;
  /** Serve with the verifier SIGHUP switches to a bypass (bench/harness/noauth-server.ts). */
  verifierBypass?: boolean;
  /** Listen on this port (default: a free one). */
  port?: number;
}

/** The port a server listens on: a restart on the same port keeps PUBLIC_URL, so its tokens stay valid. */
export function portOf(server: Server): number {
  return Number(new URL(server.url).port);
}

export async function startPathways(
  db: Db,
  dataDir: string,
  pool: number,
  options: StartOptions = {},
): Promise<Server> {
  const port = options.port ?? (await freePort());
  const metricsPort = await freePort();
  return startServer({
    args: options.verifierBypass ? ['bench/harness/noauth-server.ts', serveModule] : serverArgs,
    nodeFlags: options.nodeFlags ?? [],
    port,
    metricsPort,
    readyPath: '/readyz',
    env: {
      ...serviceEnv(db, dataDir, pool),
      PORT: String(port),
      // /metrics is served on its own loopback listener, never on the public port.
      METRICS_PORT: String(metricsPort),
      // Loopback, so the token endpoint that discovery names is the one we can reach.
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ...options.env,
    },
  });
}
