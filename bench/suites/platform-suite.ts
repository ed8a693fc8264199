/**
 * The platform suite (`--suite platform`, the default): the FHIR API's create, read and search
 * on PostgreSQL and PGlite, against bare fastify and bare pg INSERT baselines, with the CPU split,
 * the server's /metrics, per-operation and per-statement costs and CPU profiles.
 */

import { loadavg } from 'node:os';
import { seed } from '../data/seed.js';
import { accessToken, type BenchClient, registerClient } from '../harness/auth.js';
import { CpuMeter, type CpuShare } from '../harness/cpu.js';
import type { ProfileSummary } from '../harness/cpu-profile.js';
import { measure } from '../harness/load.js';
import type { Machine } from '../harness/machine.js';
import { MetricsProbe, type ServerView } from '../harness/metrics.js';
import { type Server, tempDir } from '../harness/processes.js';
import { withProfiledServer } from '../harness/profiled.js';
import {
  dropDatabase,
  PG_DATABASE,
  PG_URL,
  recreateDatabase,
  serviceEnv,
  startPathways,
  vacuumAnalyze,
} from '../harness/service.js';
import type { Db, RunReport, ScenarioResult } from '../report/report.js';
import { bareFastify, barePgInsert } from './baselines.js';
import { type Cost, cpuCosts, dbCosts } from './costs.js';
import { type Scenario, type Seeded, scenarios } from './scenarios.js';
import { statementCosts } from './statements.js';

export interface Settings {
  connections: number;
  durationS: number;
  warmupS: number;
  pool: number;
}

export interface PlatformOptions {
  dbs: Db[];
  settings: Settings;
  patients: number;
  pglitePatients: number;
  only?: string[];
  profilePatterns: string[];
  keepProfiles?: string;
  baselines: boolean;
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
  const metrics = new MetricsProbe(server.metricsUrl, scenario.route, scenario.method);
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
  options: PlatformOptions,
  client: BenchClient,
): Promise<{ scenario: string; db: Db; summary: ProfileSummary }[]> {
  const { settings } = options;
  const chosen = scenarios(seeded).filter((s) => options.profilePatterns.some((p) => s.name.includes(p)));
  if (chosen.length === 0) return [];
  return withProfiledServer(db, dataDir, settings.pool, {}, async (profiler) => {
    const out: { scenario: string; db: Db; summary: ProfileSummary }[] = [];
    for (const scenario of chosen) {
      process.stdout.write(`  profiling ${scenario.name} (${db})\n`);
      const token = await accessToken(profiler.server.url, client);
      const summary = await profiler.profile(
        { ...settings, requests: scenario.requests(token) },
        { dir: options.keepProfiles, as: `${db}-${scenario.name}` },
      );
      if (!summary) {
        process.stdout.write(`  no profile written for ${scenario.name}\n`);
        continue;
      }
      out.push({ scenario: scenario.name, db, summary });
    }
    return out;
  });
}

/** One database: fresh store, server, seed, every scenario, then the profiling pass. */
async function measureDatabase(db: Db, patients: number, options: PlatformOptions) {
  const { settings } = options;
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
      if (db === 'postgres') await vacuumAnalyze();
      for (const scenario of scenarios(seeded)) {
        if (options.only && !options.only.some((text) => scenario.name.includes(text))) continue;
        results.push(await runScenario(server, db, scenario, settings, client));
      }
    } finally {
      await server.stop();
    }
    // Profiled in a second server on the same data, so the profiler cannot slow the figures above.
    const profiles = await profilePass(db, data.dir, seeded, options, client);
    return { results, seeded, profiles };
  } finally {
    data.remove();
  }
}

export async function platformSuite(options: PlatformOptions, machine: Machine): Promise<RunReport> {
  const { settings, dbs } = options;
  const report: RunReport = {
    date: new Date().toISOString(),
    machine,
    options: { ...settings, poolSize: settings.pool, seeded: {} },
    results: [],
    costs: [],
    profiles: [],
  };
  let sample: Seeded | undefined;
  for (const db of dbs) {
    const seedCount = db === 'pglite' ? Math.min(options.patients, options.pglitePatients) : options.patients;
    const measured = await measureDatabase(db, seedCount, options);
    report.results.push(...measured.results);
    report.profiles.push(...measured.profiles);
    report.options.seeded[db] = seedCount;
    sample ??= measured.seeded;
    if (db === 'postgres') {
      if (options.baselines) {
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
  if (sample && options.baselines) {
    process.stdout.write('baseline: bare fastify\n');
    report.bareFastify = await bareFastify(sample, settings);
  }
  const costs: Cost[] = await cpuCosts();
  report.costs.unshift(...costs);
  if (dbs.includes('postgres')) await dropDatabase();
  report.loadAfter = loadavg()[0];
  return report;
}
