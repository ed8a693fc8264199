/**
 * Pathways benchmarks: `node --import tsx bench/run.ts [--suite platform|auth|orders|cycles|portal|all]
 * [--db postgres|pglite|both] [--duration 10] [--connections 50]` (see --help). Each suite starts
 * the service as a child process on a fresh database, prepares its data through the API, measures,
 * and prints Markdown; --json keeps the raw figures.
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { describeMachine, type Machine, waitForQuiet } from './harness/machine.js';
import { compileServer, PG_SERVER } from './harness/service.js';
import { type Db, formatReport, type RunReport } from './report/report.js';
import { formatSuite, type SuiteReport } from './report/suite-report.js';
import { authSuite } from './suites/auth-suite.js';
import { cyclesSuite } from './suites/cycles-suite.js';
import { ordersSuite } from './suites/orders-suite.js';
import { platformSuite, type Settings } from './suites/platform-suite.js';
import { portalSuite } from './suites/portal-suite.js';

const SUITES = ['platform', 'auth', 'orders', 'cycles', 'portal'] as const;
type Suite = (typeof SUITES)[number];

const HELP = `usage: node --import tsx bench/run.ts [options]   (npm run bench -- [options])
  --suite NAME                platform (default), auth, orders, cycles, portal, or all (repeatable, or comma-separated)
  --duration S                measured seconds per scenario (10)
  --warmup S                  warm-up seconds per scenario, not measured (3)
  --connections N             concurrent connections, and bare pg inserters (50)
  --pool N                    DB_POOL_SIZE of the server and of the bare pg pool (20)
  --compiled                  run the server compiled by tsc (into bench/.build) instead of through tsx
  --profile TEXT              CPU-profile the server during matching scenarios (repeatable; "none": no
                              profiles; platform default "create", "read Patient", "read Organization";
                              the other suites profile their main runs unless "none")
  --keep-profiles DIR         keep the .cpuprofile files there (open in Chrome DevTools)
  --wait-quiet MIN            first wait up to MIN minutes for a 1-minute load average < 1.5
  --json FILE                 also write the raw results as JSON
 platform suite:
  --db postgres|pglite|both   databases to measure (both)
  --patients N                seeded patients (5000); organisations are a tenth of that
  --pglite-patients N         seeded patients on PGlite (as --patients)
  --only TEXT                 only scenarios whose name contains TEXT (repeatable)
  --no-baselines              skip bare fastify and bare pg INSERT
 auth suite (PostgreSQL):
  --tokens N                  distinct tokens for the cache-miss run (12000; must exceed 10000 + connections)
  --organizations N           seeded organisations read by id (500)
 orders and cycles suites (PostgreSQL):
  --order-patients N          seeded patients the orders are for (1000)
  --orders-rate N             the fixed rate of the latency run, orders/s (200)
  --max-orders-rate N         orders/s to prepare signed bundles for in the throughput run (1500)
  --max-cycles-rate N         cycles/s to prepare for in each cycles run (500)
  --rounds N                  cycles: rounds of (ePMS answering, ePMS down) runs, in ABBA order (2)
 portal suite (PostgreSQL):
  --portal-patients N         seeded patients (10000)
  --portal-prescriptions N    signed prescriptions per patient (3)
  --portal-appointments N     appointments per patient, the first in the past when 2 or more (3)
  --portal-accounts N         patient accounts signed in, whose tokens share the load (1000)
env: BENCH_PG_URL (postgres://postgres@127.0.0.1:5432), BENCH_PG_DATABASE (pathways_bench)`;

const { values } = parseArgs({
  options: {
    suite: { type: 'string', multiple: true },
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
    tokens: { type: 'string', default: '12000' },
    organizations: { type: 'string', default: '500' },
    'order-patients': { type: 'string', default: '1000' },
    'orders-rate': { type: 'string', default: '200' },
    'max-orders-rate': { type: 'string', default: '1500' },
    'max-cycles-rate': { type: 'string', default: '500' },
    rounds: { type: 'string', default: '2' },
    'portal-patients': { type: 'string', default: '10000' },
    'portal-prescriptions': { type: 'string', default: '3' },
    'portal-appointments': { type: 'string', default: '3' },
    'portal-accounts': { type: 'string', default: '1000' },
    help: { type: 'boolean', default: false },
  },
});

function positive(name: string, raw: string | undefined): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`--${name} must be a non-negative number, got ${raw}`);
  return value;
}

function suites(): Suite[] {
  const names = (values.suite ?? ['platform']).flatMap((value) => value.split(',')).map((s) => s.trim());
  if (names.includes('all')) return [...SUITES];
  for (const name of names) {
    if (!(SUITES as readonly string[]).includes(name))
      throw new Error(`--suite must be one of ${SUITES.join(', ')} or all, got ${name}`);
  }
  return SUITES.filter((suite) => names.includes(suite));
}

async function main(): Promise<void> {
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const chosen = suites();
  const dbs: Db[] = values.db === 'both' ? ['postgres', 'pglite'] : [values.db as Db];
  if (!dbs.every((db) => db === 'postgres' || db === 'pglite'))
    throw new Error('--db must be postgres, pglite or both');
  const settings: Settings = {
    connections: positive('connections', values.connections),
    durationS: positive('duration', values.duration),
    warmupS: positive('warmup', values.warmup),
    pool: positive('pool', values.pool),
  };
  const profiles = values.profile ?? [];
  const profileOthers = !profiles.includes('none');
  const waitMinutes = positive('wait-quiet', values['wait-quiet']);
  if (values.compiled) compileServer();
  if (waitMinutes > 0) await waitForQuiet(1.5, waitMinutes);

  const usesPostgres = chosen.some((suite) => suite !== 'platform') || dbs.includes('postgres');
  const machine: Machine = describeMachine(usesPostgres ? `${PG_SERVER}/postgres` : undefined);
  process.stdout.write(
    `load average before the run: ${machine.loadBefore.map((n) => n.toFixed(2)).join(' ')}; suites: ${chosen.join(', ')}\n`,
  );
  let platform: RunReport | undefined;
  const others: SuiteReport[] = [];
  const keepProfiles = values['keep-profiles'];
  for (const suite of chosen) {
    if (suite === 'platform') {
      const patients = positive('patients', values.patients);
      platform = await platformSuite(
        {
          dbs,
          settings,
          patients,
          pglitePatients: positive('pglite-patients', values['pglite-patients'] ?? String(patients)),
          ...(values.only ? { only: values.only } : {}),
          profilePatterns: (profiles.length > 0
            ? profiles
            : ['create', 'read Patient', 'read Organization']
          ).filter((p) => p !== 'none'),
          ...(keepProfiles ? { keepProfiles } : {}),
          baselines: !values['no-baselines'],
        },
        machine,
      );
    }
    if (suite === 'auth') {
      others.push(
        await authSuite({
          settings,
          organizations: positive('organizations', values.organizations),
          tokens: positive('tokens', values.tokens),
          profile: profileOthers,
          ...(keepProfiles ? { keepProfiles } : {}),
        }),
      );
    }
    if (suite === 'orders') {
      others.push(
        await ordersSuite({
          settings,
          patients: positive('order-patients', values['order-patients']),
          rate: positive('orders-rate', values['orders-rate']),
          maxRate: positive('max-orders-rate', values['max-orders-rate']),
          profile: profileOthers,
          ...(keepProfiles ? { keepProfiles } : {}),
        }),
      );
    }
    if (suite === 'cycles') {
      others.push(
        await cyclesSuite({
          settings,
          patients: positive('order-patients', values['order-patients']),
          maxRate: positive('max-cycles-rate', values['max-cycles-rate']),
          rounds: Math.max(1, positive('rounds', values.rounds)),
          profile: profileOthers,
          ...(keepProfiles ? { keepProfiles } : {}),
        }),
      );
    }
    if (suite === 'portal') {
      others.push(
        await portalSuite({
          settings,
          patients: Math.max(2, positive('portal-patients', values['portal-patients'])),
          prescriptions: Math.max(1, positive('portal-prescriptions', values['portal-prescriptions'])),
          appointments: Math.max(1, positive('portal-appointments', values['portal-appointments'])),
          accounts: Math.max(2, positive('portal-accounts', values['portal-accounts'])),
          profile: profileOthers,
          ...(keepProfiles ? { keepProfiles } : {}),
        }),
      );
    }
  }
  const loadAfter = loadavg()[0] ?? 0;
  const machineLine =
    `Machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, ` +
    `PostgreSQL ${machine.postgres}; load average before the run ${machine.loadBefore.map((n) => n.toFixed(2)).join(' ')}, ` +
    `1-minute load average after it ${loadAfter.toFixed(2)}. Load generator, server and database share these cores.`;
  if (platform) {
    platform.loadAfter = loadAfter;
    process.stdout.write(`\n${formatReport(platform)}\n`);
  }
  if (others.length > 0) {
    process.stdout.write(`\n${machineLine}\n`);
    for (const report of others) process.stdout.write(`\n${formatSuite(report)}\n`);
  }
  if (values.json) {
    const raw = others.length === 0 ? platform : { machine, loadAfter, platform, suites: others };
    writeFileSync(values.json, JSON.stringify(raw, null, 2));
  }
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    process.stderr.write(`bench: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
