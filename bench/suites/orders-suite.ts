/**
 * The orders suite (`--suite orders`): signed prescription-orders accepted per second through
 * `POST /fhir/R4/$process-message` on PostgreSQL, every request a distinct, validly signed Bundle
 * prepared (and signed) just before its run. (i) The most the service accepts at 50 connections;
 * (ii) a fixed 200 orders/s for the latency, sent twice: with autocannon's overallRate (each
 * connection sends its share in a burst at every second's tick) and evenly paced (one every 5 ms,
 * latency from when it was due); (iii) evenly paced at half the measured maximum, the latency of a
 * load the service can carry. Then the time split of one order, in-process.
 */
import type autocannon from 'autocannon';
import { Pool, type PreparedOrder, prepareOrders } from '../data/orders.js';
import { type PrescribingBench, startPrescribingBench } from '../data/prescribing-setup.js';
import { phaseRows, statementRows } from '../harness/instruments.js';
import { type LoadResult, measure, type Probe } from '../harness/load.js';
import { measurePaced } from '../harness/paced.js';
import type { Server } from '../harness/processes.js';
import { withProfiledServer } from '../harness/profiled.js';
import { dropDatabase, PG_URL, portOf } from '../harness/service.js';
import { MeasuredWindow } from '../harness/window.js';
import { type LoadRun, newSuiteReport, printRun, type SuiteReport } from '../report/suite-report.js';
import { orderCosts } from './order-costs.js';
import type { Settings } from './platform-suite.js';

export interface OrdersOptions {
  settings: Settings;
  patients: number;
  /** Orders/s of the latency runs. */
  rate: number;
  /** Orders/s to prepare bundles for in the throughput run. */
  maxRate: number;
  profile: boolean;
  keepProfiles?: string;
}

const ROUTE = '/fhir/R4/$process-message';

function headers(token: string) {
  return {
    'content-type': 'application/fhir+json',
    accept: 'application/fhir+json',
    authorization: `Bearer ${token}`,
  };
}

function orderRequests(pool: Pool<PreparedOrder>, token: string): autocannon.Request[] {
  return [
    {
      method: 'POST',
      path: ROUTE,
      headers: headers(token),
      setupRequest: (request) => ({ ...request, body: pool.take().body }),
    },
  ];
}

/** Signs enough orders for `rate` per second over the warm-up and the measured run (plus margin). */
async function pool(bench: PrescribingBench, settings: Settings, rate: number): Promise<Pool<PreparedOrder>> {
  const count = Math.ceil(rate * (settings.warmupS + settings.durationS) * 1.1) + settings.connections * 2;
  const started = performance.now();
  const orders = await prepareOrders(bench.prescriber, count, { nhsNumbers: bench.nhsNumbers });
  process.stdout.write(
    `  signed ${count} orders in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
  return new Pool(orders);
}

async function observed(
  server: Server,
  name: string,
  run: (probe: Probe) => Promise<LoadResult>,
  orders: Pool<PreparedOrder>,
): Promise<LoadRun> {
  const window = new MeasuredWindow(server, ROUTE, 'POST', { status: '200' });
  const load = await run(window);
  const result: LoadRun = {
    name,
    load,
    ...window.figures,
    unit: { name: 'order', count: load.statuses['200'] ?? 0 },
  };
  if (orders.reused > 0) result.name += ` (pool ran out: ${orders.reused} resends)`;
  printRun(result);
  return result;
}

export async function ordersSuite(options: OrdersOptions): Promise<SuiteReport> {
  const { settings } = options;
  const report = newSuiteReport('orders', 'Prescription orders (prescribing)');
  const bench = await startPrescribingBench(settings.pool, options.patients);
  try {
    const { server } = bench;
    const session = bench.prescriber.session;

    let orders = await pool(bench, settings, options.maxRate);
    let token = await session.refresh();
    const max = await observed(
      server,
      `(i) maximum, ${settings.connections} connections`,
      (probe) => measure({ url: server.url, ...settings, requests: orderRequests(orders, token) }, probe),
      orders,
    );
    report.runs.push(max);

    orders = await pool(bench, settings, options.rate);
    token = await session.refresh();
    const fixed = orders;
    report.runs.push(
      await observed(
        server,
        `(ii) ${options.rate}/s, autocannon overallRate (${settings.connections} connections)`,
        (probe) =>
          measure(
            {
              url: server.url,
              ...settings,
              overallRate: options.rate,
              requests: orderRequests(fixed, token),
            },
            probe,
          ),
        fixed,
      ),
    );

    // Evenly paced at the fixed rate, then at half the measured maximum: the latency of a load
    // the service can carry.
    const half = Math.max(1, Math.round(max.load.rps / 2));
    for (const rate of [options.rate, half]) {
      const paced = await pool(bench, settings, rate);
      const pacedHeaders = headers(await session.refresh());
      report.runs.push(
        await observed(
          server,
          rate === options.rate
            ? `(ii) ${rate}/s, evenly paced (up to ${settings.connections} connections)`
            : `(iii) ${rate}/s (half the maximum), evenly paced`,
          (probe) =>
            measurePaced(
              {
                url: server.url,
                rate,
                connections: settings.connections,
                durationS: settings.durationS,
                warmupS: settings.warmupS,
                request: () => ({
                  method: 'POST',
                  path: ROUTE,
                  headers: pacedHeaders,
                  body: paced.take().body,
                }),
              },
              probe,
            ),
          paced,
        ),
      );
    }
    await server.stop();

    if (options.profile) await profileMax(report, bench, options, max.load.rps);

    process.stdout.write('orders: the time split of one order, in-process\n');
    const split = await orderCosts({
      databaseUrl: PG_URL,
      dataDir: bench.dataDir,
      prescriber: bench.prescriber,
      nhsNumbers: bench.nhsNumbers,
    });
    report.costs.push(...split.costs);
    report.tables.push({
      title:
        'One order (`submitOrder` and the audit record its handler waits for) phase by phase, in-process, one at a time ' +
        "on one connection: wall time, the PostgreSQL backend's CPU, and statements (round trips):",
      head: ['phase', 'wall µs', 'PostgreSQL CPU µs', 'statements'],
      rows: phaseRows(split.phases),
    });
    report.tables.push({
      title: 'The same orders statement by statement (BEGIN and COMMIT are in their phases, not here):',
      head: ['statement', 'per order', 'wall µs', 'PostgreSQL CPU µs'],
      rows: statementRows(split.statements),
    });
    const whole = split.split.at(-1)!.us;
    report.tables.push({
      title: 'One order in the four parts (wall time, from the figures above):',
      head: ['part', 'µs', 'share'],
      rows: split.split.map((p) => [p.part, p.us.toFixed(0), `${Math.round((p.us / whole) * 100)}%`]),
    });

    const [maxRun, burst, even, halfRun] = report.runs as [LoadRun, LoadRun, LoadRun, LoadRun];
    report.targets.push(
      {
        target: `>= 1,000 orders/s (PostgreSQL, ${settings.connections} connections)`,
        measured: `${Math.round(maxRun.load.rps)} orders/s`,
        met: maxRun.load.rps >= 1000,
      },
      {
        target: `P99 < 50 ms at ${options.rate}/s (autocannon overallRate)`,
        measured: `${burst.load.p99.toFixed(1)} ms`,
        met: burst.load.p99 < 50,
      },
      {
        target: `P99 < 50 ms at ${options.rate}/s (evenly paced)`,
        measured: `${even.load.p99.toFixed(1)} ms`,
        met: even.load.p99 < 50,
      },
      {
        target: `(for comparison) P99 < 50 ms at ${Math.round(halfRun.load.rps)}/s, half the maximum (evenly paced)`,
        measured: `${halfRun.load.p99.toFixed(1)} ms`,
        met: halfRun.load.p99 < 50,
      },
    );
    report.setup.push(
      `PostgreSQL; ${settings.warmupS} s warm-up + ${settings.durationS} s measured per run; DB_POOL_SIZE ${settings.pool};`,
      `${options.patients} seeded patients; one prescriber (registered through the register's API, certificate from a CSR, signed in with MFA);`,
      "every request a distinct one-item prescription-order (8 KB), signed with the prescriber's key within a minute or two before its run.",
    );
    return report;
  } finally {
    await bench.close();
    await dropDatabase();
  }
}

/** The throughput run again in a profiled server, with a pool sized from the measured rate. */
async function profileMax(
  report: SuiteReport,
  bench: PrescribingBench,
  options: OrdersOptions,
  measuredRps: number,
): Promise<void> {
  await withProfiledServer(
    'postgres',
    bench.dataDir,
    options.settings.pool,
    { port: portOf(bench.server) },
    async (profiler) => {
      const orders = await pool(bench, options.settings, Math.max(100, measuredRps * 1.5));
      const token = await bench.prescriber.session.refresh();
      process.stdout.write('  profiling the maximum run\n');
      const summary = await profiler.profile(
        { ...options.settings, requests: orderRequests(orders, token) },
        { dir: options.keepProfiles, as: 'orders-maximum' },
      );
      if (summary) report.profiles.push({ scenario: 'orders (i) maximum', summary });
    },
  );
}
