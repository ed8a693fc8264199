/**
 * The cycles suite (`--suite cycles`): complete prescription cycles per second on PostgreSQL with
 * the ePMS feed on. A cycle is four requests from one virtual client (one autocannon connection),
 * in sequence: the prescriber's signed prescription-order, the pharmacy's release by ID, its
 * dispense-notification (the one item in full) and its claim. Run twice on one server whose
 * EPMS_URL points at the fake ePMS (src/feed/fake-epms, `pathways fake-epms`), alternately with
 * the fake answering and with it stopped, so that every delivery is refused (ECONNREFUSED) and
 * retried; between runs the feed's backlog drains, and what those deliveries cost is measured.
 * Then one cycle taken apart in-process (cycle-costs.ts).
 */
import type autocannon from 'autocannon';
import { Pool, type PreparedCycle, prepareCycles } from '../data/orders.js';
import { type PrescribingBench, startPrescribingBench } from '../data/prescribing-setup.js';
import { accessToken, type BenchClient, registerClient } from '../harness/auth.js';
import { drain, measuredDrain, startFakeEpms } from '../harness/epms.js';
import { phaseRows, statementRows } from '../harness/instruments.js';
import { Latencies, measure } from '../harness/load.js';
import { freePort, type Server } from '../harness/processes.js';
import { withProfiledServer } from '../harness/profiled.js';
import { dropDatabase, PG_URL, portOf } from '../harness/service.js';
import { MeasuredWindow } from '../harness/window.js';
import { type LoadRun, newSuiteReport, printRun, type SuiteReport } from '../report/suite-report.js';
import { cycleCosts } from './cycle-costs.js';
import type { Settings } from './platform-suite.js';

export interface CyclesOptions {
  settings: Settings;
  patients: number;
  /** Cycles/s to prepare for in each run. */
  maxRate: number;
  /** Rounds of (answering, down) runs. */
  rounds: number;
  profile: boolean;
  keepProfiles?: string;
}

const PHARMACY = 'FCG71';
const STEPS = ['prescription-order', 'release by ID', 'dispense-notification', 'claim'] as const;
const ROUTES = ['/fhir/R4/$process-message', '/fhir/R4/Task/$release', '/fhir/R4/Claim'];

interface CycleContext {
  cycle?: PreparedCycle;
}

function cycleRequests(
  pool: Pool<PreparedCycle>,
  prescriberToken: string,
  pharmacyToken: string,
): autocannon.Request[] {
  const headers = (token: string) => ({
    'content-type': 'application/fhir+json',
    accept: 'application/fhir+json',
    authorization: `Bearer ${token}`,
  });
  const step = (path: string, token: string, body: (cycle: PreparedCycle) => string): autocannon.Request => ({
    method: 'POST',
    path,
    headers: headers(token),
    setupRequest: (request, context) => ({ ...request, body: body((context as CycleContext).cycle!) }),
  });
  return [
    {
      method: 'POST',
      path: '/fhir/R4/$process-message',
      headers: headers(prescriberToken),
      setupRequest: (request, context) => {
        const cycle = pool.take();
        (context as CycleContext).cycle = cycle;
        return { ...request, body: cycle.body };
      },
    },
    step('/fhir/R4/Task/$release', pharmacyToken, (cycle) => cycle.release),
    step('/fhir/R4/$process-message', pharmacyToken, (cycle) => cycle.dispense),
    step('/fhir/R4/Claim', pharmacyToken, (cycle) => cycle.claim),
  ];
}

async function prepare(bench: PrescribingBench, settings: Settings, rate: number) {
  const count = Math.ceil(rate * (settings.warmupS + settings.durationS) * 1.1) + settings.connections * 2;
  const started = performance.now();
  const cycles = await prepareCycles(bench.prescriber, count, {
    nhsNumbers: bench.nhsNumbers,
    pharmacy: PHARMACY,
  });
  process.stdout.write(
    `  prepared ${count} cycles in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
  return new Pool(cycles);
}

async function cycleRun(
  bench: PrescribingBench,
  pharmacy: BenchClient,
  name: string,
  options: CyclesOptions,
  extraPids: Record<string, number>,
): Promise<LoadRun> {
  const { server } = bench;
  const { settings } = options;
  const pool = await prepare(bench, settings, options.maxRate);
  const prescriberToken = await bench.prescriber.session.refresh();
  const pharmacyToken = await accessToken(server.url, pharmacy);
  const window = new MeasuredWindow(server, ROUTES, 'POST', { status: '200', extraPids });
  const perStep = STEPS.map(() => new Latencies());
  const ok = STEPS.map(() => 0);
  const load = await measure(
    { url: server.url, ...settings, requests: cycleRequests(pool, prescriberToken, pharmacyToken) },
    window,
    (status, ms, index) => {
      perStep[index]?.add(ms);
      if (status >= 200 && status < 300) ok[index] = (ok[index] ?? 0) + 1;
    },
  );
  const run: LoadRun = {
    name: pool.reused > 0 ? `${name} (pool ran out: ${pool.reused} resent cycles)` : name,
    load,
    ...window.figures,
    rates: { 'cycles/s': (ok[3] ?? 0) / load.durationS, 'transactions/s': load.rps },
    unit: { name: 'cycle', count: ok[3] ?? 0 },
    steps: STEPS.map((step, i) => ({ step, count: perStep[i]!.count, ...perStep[i]!.summary() })),
  };
  printRun(run);
  return run;
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / Math.max(values.length, 1);
}

export async function cyclesSuite(options: CyclesOptions): Promise<SuiteReport> {
  const { settings } = options;
  const report = newSuiteReport('cycles', 'Complete cycles: order, release, dispense, claim (dispensing)');
  const epmsPort = await freePort();
  const epmsUrl = `http://127.0.0.1:${epmsPort}`;
  const bench = await startPrescribingBench(settings.pool, options.patients, { env: { EPMS_URL: epmsUrl } });
  let epms: Server | undefined;
  try {
    const pharmacy = registerClient(bench.env, bench.dataDir, {
      name: 'bench-pharmacy',
      role: 'dispenser',
      org: PHARMACY,
    });
    const ups: LoadRun[] = [];
    const downs: LoadRun[] = [];
    // Rounds alternate the order (answering, down, then down, answering, …): the database grows
    // run after run and each run is a little slower than the last, and this order cancels that
    // drift out of the comparison instead of charging it to whichever condition comes second.
    const schedule = Array.from({ length: options.rounds }, (_, round) =>
      round % 2 === 0 ? (['up', 'down'] as const) : (['down', 'up'] as const),
    ).flat();
    for (const [index, mode] of schedule.entries()) {
      const suffix = options.rounds > 1 ? ` (run ${index + 1})` : '';
      if (mode === 'up') {
        if (!epms) {
          epms = await startFakeEpms(epmsPort, bench.server.url);
          // What an outage left queued is delivered first, not during the run.
          if (index > 0)
            await measuredDrain(report, bench.server, epms, `Before run ${index + 1}, with the fake back`);
        }
        const up = await cycleRun(bench, pharmacy, `fake ePMS answering${suffix}`, options, {
          'fake ePMS': epms.pid,
        });
        report.runs.push(up);
        ups.push(up);
        report.notes.push(
          `Answering${suffix}: the feed backlog was ${up.server?.gauges?.['pathways_feed_backlog'] ?? '?'} events at the end of the ` +
            `measured window, ${up.server?.counters?.['pathways_feed_delivered_total'] ?? 0} delivered to the ePMS during it ` +
            `(${up.server?.counters?.['pathways_outbox_delivered_total'] ?? 0} outbox deliveries in all).`,
        );
        await measuredDrain(report, bench.server, epms, `After the answering run${suffix}`);
      } else {
        await epms?.stop();
        epms = undefined;
        const down = await cycleRun(
          bench,
          pharmacy,
          `fake ePMS down (connections refused)${suffix}`,
          options,
          {},
        );
        report.runs.push(down);
        downs.push(down);
        report.notes.push(
          `Down${suffix}: ${down.server?.counters?.['pathways_feed_failed_attempts_total'] ?? 0} failed delivery attempts during the measured window; ` +
            `the feed backlog was ${down.server?.gauges?.['pathways_feed_backlog'] ?? '?'} events at its end.`,
        );
      }
    }
    const cycles = (run: LoadRun) => run.rates?.['cycles/s'] ?? 0;
    const up = mean(ups.map(cycles));
    const down = mean(downs.map(cycles));
    const ratio = down / Math.max(up, 1e-9);
    const of = options.rounds > 1 ? ` (mean of ${options.rounds} runs)` : '';
    report.ratios.push({ label: `cycles/s, fake ePMS down / answering${of}`, value: ratio });
    report.targets.push(
      {
        target: `>= 250 cycles/s (fake ePMS answering${of})`,
        measured: `${up.toFixed(0)} cycles/s`,
        met: up >= 250,
      },
      {
        target: `>= 250 cycles/s (fake ePMS down${of})`,
        measured: `${down.toFixed(0)} cycles/s`,
        met: down >= 250,
      },
      {
        target: 'ePMS down: the same cycles/s within 10%',
        measured: `${Math.round(ratio * 100)}%`,
        met: Math.abs(ratio - 1) <= 0.1,
      },
    );
    if (options.profile) {
      epms ??= await startFakeEpms(epmsPort, bench.server.url);
      await profileUp(report, bench, pharmacy, options, epmsUrl);
    }
    await bench.server.stop();
    process.stdout.write('cycles: one cycle step by step, in-process\n');
    const split = await cycleCosts({
      databaseUrl: PG_URL,
      dataDir: bench.dataDir,
      prescriber: bench.prescriber,
      nhsNumbers: bench.nhsNumbers,
      pharmacy: PHARMACY,
    });
    report.tables.push({
      title:
        'One cycle step by step, in-process, one at a time on one connection (the domain functions and the audit record ' +
        "each route waits for; not HTTP, not the outbox's later deliveries): wall time, the PostgreSQL backend's CPU, statements:",
      head: ['step', 'wall µs', 'PostgreSQL CPU µs', 'statements'],
      rows: phaseRows(split.phases),
    });
    report.tables.push({
      title: 'The same cycles statement by statement:',
      head: ['statement', 'per cycle', 'wall µs', 'PostgreSQL CPU µs'],
      rows: statementRows(split.statements),
    });
    report.setup.push(
      `PostgreSQL; ${settings.connections} connections (virtual clients), each doing one cycle after another; ${settings.warmupS} s warm-up + ${settings.durationS} s measured per run; DB_POOL_SIZE ${settings.pool};`,
      `${options.patients} seeded patients; one prescriber (a signed-in user, fhirUser = its Practitioner) and one pharmacy (${PHARMACY}, a dispenser system client);`,
      'every cycle a distinct signed one-item order without a nominated pharmacy, prepared before its run; EPMS_URL set, the default feed settings (FEED_CONCURRENCY 4).',
      'cycles/s counts the claims answered 2xx; transactions/s every 2xx.',
    );
    return report;
  } finally {
    await epms?.stop();
    await bench.close();
    await dropDatabase();
  }
}

/** The answering run again in a profiled server (same port, same EPMS_URL, the fake answering). */
async function profileUp(
  report: SuiteReport,
  bench: PrescribingBench,
  pharmacy: BenchClient,
  options: CyclesOptions,
  epmsUrl: string,
): Promise<void> {
  await bench.server.stop();
  await withProfiledServer(
    'postgres',
    bench.dataDir,
    options.settings.pool,
    { port: portOf(bench.server), env: { EPMS_URL: epmsUrl } },
    async (profiler) => {
      // The down run's backlog goes first, so the profile shows the cycles, not a catch-up.
      await drain(profiler.server);
      const pool = await prepare(bench, options.settings, options.maxRate);
      const requests = cycleRequests(
        pool,
        await bench.prescriber.session.refresh(),
        await accessToken(profiler.server.url, pharmacy),
      );
      process.stdout.write('  profiling the answering run\n');
      const summary = await profiler.profile(
        { ...options.settings, requests },
        { dir: options.keepProfiles, as: 'cycles-answering' },
      );
      if (summary) report.profiles.push({ scenario: 'cycles, fake ePMS answering', summary });
    },
  );
}
