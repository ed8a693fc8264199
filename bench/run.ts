/**
 * Pathways benchmarks: `node --import tsx bench/run.ts [--db postgres|pglite|both] [--duration 10]
 * [--connections 50]` (see --help). Per database: start the server as a child process, seed
 * through the API, measure each scenario; then the baselines (bare fastify, bare pg INSERT), the
 * ratios, the targets, and where the time goes. Prints Markdown; --json keeps the raw figures.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { accessToken, type BenchClient, registerClient } from './auth.js';
import { bareFastify, barePgInsert } from './baselines.js';
import { type Cost, cpuCosts, dbCosts } from './costs.js';
import { CpuMeter, type CpuShare } from './cpu.js';
import { type ProfileSummary, summarizeProfile } from './cpu-profile.js';
import { measure } from './load.js';
import { describeMachine, waitForQuiet } from './machine.js';
import { MetricsProbe, type ServerView } from './metrics.js';
import { freePort, type Server, startServer, tempDir } from './processes.js';
import { type Db, formatReport, type RunReport, type ScenarioResult } from './report.js';
import { type Scenario, type Seeded, scenarios } from './scenarios.js';
import { seed } from './seed.js';
import { statementCosts } from './statements.js';

const HELP = `usage: node --import tsx bench/run.ts [options]
  --db postgres|pglite|both   databases to measure (both)
  --duration S                measured seconds per scenario (10)
  --warmup S                  warm-up seconds per scenario, not measured (3)
  --connections N             concurrent connections, and bare pg inserters (50)
  --pool N                    DB_POOL_SIZE of the server and of the bare pg pool (20)
  --patients N                seeded patients (5000); organisations are a tenth of that
  --pglite-patients N         seeded patients on PGlite (as --patients)
  --only TEXT                 only scenarios whose name contains TEXT (repeatable)
  --profile TEXT              CPU-profile the PostgreSQL server during scenarios containing TEXT
                              (repeatable; default "create", "read Patient", "read Organization"; "none": no profile)
  --keep-profiles DIR         keep the .cpuprofile files there (open in Chrome DevTools)
  --compiled                  run the server compiled by tsc (into bench/.build) instead of through tsx
  --no-baselines              skip bare fastify and bare pg INSERT
  --wait-quiet MIN            first wait up to MIN minutes for a 1-minute load average < 1.5
  --json FILE                 also write the raw results as JSON
env: BENCH_PG_URL (postgres://postgres@127.0.0.1:5432), BENCH_PG_DATABASE (pathways_bench)`;

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'both' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    pool: { type: 'string', default: '20' },
    patients: { type: 'string', default: '5000' },
    'pglite-patients': { type: 'string' },
    only: { type: 'string', multiple: true },
    profile: { type: 'string', multiple: true },
    'no-baselines': { type: 'boolean', default: false },
    'keep-profiles': { type: 'string' },
    compiled: { type: 'boolean', default: false },
    'wait-quiet': { type: 'string', default: '0' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

function positive(name: string, raw: string | undefined): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`--${name} must be a non-negative number, got ${raw}`);
  return value;
}

const ROOT = path.resolve(import.meta.dirname, '..');
const PG_SERVER = (process.env['BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432').replace(/\/+$/, '');
const PG_DATABASE = process.env['BENCH_PG_DATABASE'] ?? 'pathways_bench';
const PG_URL = `${PG_SERVER}/${PG_DATABASE}`;

async function recreateDatabase(): Promise<void> {
  const admin = new pg.Client({ connectionString: `${PG_SERVER}/postgres` });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${PG_DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${PG_DATABASE}`);
  } finally {
    await admin.end();
  }
}

async function dropDatabase(): Promise<void> {
  const admin = new pg.Client({ connectionString: `${PG_SERVER}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${PG_DATABASE} WITH (FORCE)`).finally(() => admin.end());
}

/**
 * The service compiled into bench/.build/dist, not dist/ (other people's builds live there). The
 * compiled code finds migrations/ and package.json one level up, hence the two links.
 */
function compileServer(): string[] {
  const build = path.join(ROOT, 'bench/.build');
  mkdirSync(build, { recursive: true });
  for (const name of ['migrations', 'package.json']) {
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
  return ['bench/.build/dist/cli.js', 'serve'];
}

let serverArgs = ['src/cli.ts', 'serve'];

/** The service's configuration for a measurement (the port is added per start). */
function serviceEnv(db: Db, dataDir: string, pool: number): Record<string, string> {
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
  };
}

async function startPathways(db: Db, dataDir: string, pool: number, nodeFlags: string[] = [], extraEnv = {}) {
  const port = await freePort();
  return startServer({
    args: serverArgs,
    nodeFlags,
    port,
    readyPath: '/readyz',
    env: {
      ...serviceEnv(db, dataDir, pool),
      PORT: String(port),
      // Loopback, so the token endpoint that discovery names is the one we can reach.
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ...extraEnv,
    },
  });
}

interface Settings {
  connections: number;
  durationS: number;
  warmupS: number;
  pool: number;
}

async function runScenario(
  server: Server,
  db: Db,
  scenario: Scenario,
  settings: Settings,
  client: BenchClient,
): Promise<ScenarioResult> {
  const token = await accessToken(server.url, client);
  const cpu = new CpuMeter(server.pid, db === 'postgres' ? PG_DATABASE : undefined);
  const metrics = new MetricsProbe(server.url, scenario.route, scenario.method);
  let share: CpuShare | undefined;
  let view: ServerView | undefined;
  const load = await measure(
    { url: server.url, ...settings, requests: scenario.requests(token) },
    {
      begin: async () => {
        await metrics.begin();
        cpu.begin();
      },
      end: async () => {
        share = cpu.end();
        view = await metrics.end();
      },
    },
  );
  process.stdout.write(
    `  ${scenario.name} (${db}): ${Math.round(load.rps)} req/s, P50 ${load.p50.toFixed(2)} P95 ${load.p95.toFixed(2)} ` +
      `P99 ${load.p99.toFixed(2)} ms, errors ${load.errors}, non-2xx ${load.non2xx}\n`,
  );
  return { scenario: scenario.name, db, audited: scenario.audited, load, cpu: share!, server: view! };
}

/** Profiles each matching scenario in a fresh server (the preload adds the profiler). */
async function profilePass(
  db: Db,
  dataDir: string,
  seeded: Seeded,
  patterns: string[],
  settings: Settings,
  client: BenchClient,
): Promise<{ scenario: string; db: Db; summary: ProfileSummary }[]> {
  const chosen = scenarios(seeded).filter((s) => patterns.some((p) => s.name.includes(p)));
  if (chosen.length === 0) return [];
  const profiles = tempDir('pathways-bench-prof-');
  const server = await startPathways(
    db,
    dataDir,
    settings.pool,
    // The preload is TypeScript: the compiled server needs tsx for it.
    [...(values.compiled ? ['--import', 'tsx'] : []), '--import', './bench/profiler-preload.ts'],
    {
      PROFILE_DIR: profiles.dir,
    },
  );
  const out: { scenario: string; db: Db; summary: ProfileSummary }[] = [];
  try {
    let written = 0;
    for (const scenario of chosen) {
      process.stdout.write(`  profiling ${scenario.name} (${db})\n`);
      const file = `${profiles.dir}/${++written}.cpuprofile`;
      await measure(
        { url: server.url, ...settings, requests: scenario.requests(await accessToken(server.url, client)) },
        {
          begin: async () => server.signal('SIGUSR2'),
          end: async () => server.signal('SIGUSR2'),
        },
      );
      const deadline = Date.now() + 30_000;
      let summary: ProfileSummary | undefined;
      while (!summary && Date.now() < deadline) {
        await sleep(250);
        try {
          summary = summarizeProfile(file);
        } catch {
          // not written (completely) yet
        }
      }
      if (!summary) {
        process.stdout.write(`  no profile written for ${scenario.name}\n`);
        continue;
      }
      out.push({ scenario: scenario.name, db, summary });
      if (values['keep-profiles']) {
        mkdirSync(values['keep-profiles'], { recursive: true });
        const name = `${db}-${scenario.name.replace(/[^A-Za-z0-9]+/g, '-')}.cpuprofile`;
        copyFileSync(file, path.join(values['keep-profiles'], name));
      }
    }
  } finally {
    await server.stop();
    profiles.remove();
  }
  return out;
}

/** One database: fresh store, server, seed, every scenario, then the profiling pass. */
async function measureDatabase(db: Db, patients: number, settings: Settings, profilePatterns: string[]) {
  const data = tempDir('pathways-bench-data-');
  try {
    if (db === 'postgres') await recreateDatabase();
    const client = registerClient(serviceEnv(db, data.dir, settings.pool), data.dir);
    process.stdout.write(`${db}: starting the server\n`);
    const server = await startPathways(db, data.dir, settings.pool);
    const results: ScenarioResult[] = [];
    let seeded: Seeded;
    try {
      const started = performance.now();
      const tenth = Math.max(10, Math.round(patients / 10));
      seeded = await seed(server.url, await accessToken(server.url, client), {
        patients,
        organizations: tenth,
        families: tenth,
      });
      const seconds = (performance.now() - started) / 1000;
      process.stdout.write(
        `${db}: seeded ${patients} patients and ${tenth} organisations in ${seconds.toFixed(1)} s\n`,
      );
      if (db === 'postgres') {
        // Fresh statistics, so the planner sees the seeded tables as they are.
        const client = new pg.Client({ connectionString: PG_URL });
        await client.connect();
        await client.query('VACUUM ANALYZE').finally(() => client.end());
      }
      for (const scenario of scenarios(seeded)) {
        if (values.only && !values.only.some((text) => scenario.name.includes(text))) continue;
        results.push(await runScenario(server, db, scenario, settings, client));
      }
    } finally {
      await server.stop();
    }
    // Profiled in a second server on the same data, so the profiler cannot slow the figures above.
    const profiles = await profilePass(db, data.dir, seeded, profilePatterns, settings, client);
    return { results, seeded, profiles };
  } finally {
    data.remove();
  }
}

async function main(): Promise<void> {
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const dbs: Db[] = values.db === 'both' ? ['postgres', 'pglite'] : [values.db as Db];
  if (!dbs.every((db) => db === 'postgres' || db === 'pglite'))
    throw new Error('--db must be postgres, pglite or both');
  const settings: Settings = {
    connections: positive('connections', values.connections),
    durationS: positive('duration', values.duration),
    warmupS: positive('warmup', values.warmup),
    pool: positive('pool', values.pool),
  };
  const patients = positive('patients', values.patients);
  const pglitePatients = positive('pglite-patients', values['pglite-patients'] ?? String(patients));
  const profilePatterns = (values.profile ?? ['create', 'read Patient', 'read Organization']).filter(
    (p) => p !== 'none',
  );
  const waitMinutes = positive('wait-quiet', values['wait-quiet']);
  if (values.compiled) serverArgs = compileServer();
  if (waitMinutes > 0) await waitForQuiet(1.5, waitMinutes);

  const report: RunReport = {
    date: new Date().toISOString(),
    machine: describeMachine(dbs.includes('postgres') ? `${PG_SERVER}/postgres` : undefined),
    options: { ...settings, poolSize: settings.pool, seeded: {} },
    results: [],
    costs: [],
    profiles: [],
  };
  process.stdout.write(
    `load average before the run: ${report.machine.loadBefore.map((n) => n.toFixed(2)).join(' ')}\n`,
  );
  let sample: Seeded | undefined;
  for (const db of dbs) {
    const seedCount = db === 'pglite' ? Math.min(patients, pglitePatients) : patients;
    const measured = await measureDatabase(db, seedCount, settings, profilePatterns);
    report.results.push(...measured.results);
    report.profiles.push(...measured.profiles);
    report.options.seeded[db] = seedCount;
    sample ??= measured.seeded;
    if (db === 'postgres') {
      if (!values['no-baselines']) {
        process.stdout.write('baseline: bare pg INSERT\n');
        report.barePgInsert = await barePgInsert(PG_URL, PG_DATABASE, measured.seeded, settings);
        process.stdout.write('baseline: bare fastify + one pg SELECT\n');
        report.bareFastifyPg = await bareFastify(measured.seeded, settings, {
          url: PG_URL,
          name: PG_DATABASE,
        });
      }
      report.costs.push(...(await dbCosts(PG_URL, measured.seeded.patientIds[0]!)));
      report.statements = await statementCosts(PG_URL);
    }
  }
  if (sample && !values['no-baselines']) {
    process.stdout.write('baseline: bare fastify\n');
    report.bareFastify = await bareFastify(sample, settings);
  }
  const costs: Cost[] = await cpuCosts();
  report.costs.unshift(...costs);
  if (dbs.includes('postgres')) await dropDatabase();
  report.loadAfter = loadavg()[0];

  process.stdout.write(`\n${formatReport(report)}\n`);
  if (values.json) writeFileSync(values.json, JSON.stringify(report, null, 2));
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    process.stderr.write(`bench: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
