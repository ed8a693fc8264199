/**
 * What the auth, orders and cycles suites measure and how it is printed: each load run with its
 * CPU split and the server's own view, plus the suite's ratios, targets, costs and notes, as
 * Markdown tables (readable in a terminal, pasted as-is into docs/benchmarks.md).
 */
import type { CpuShare } from '../harness/cpu.js';
import type { ProfileSummary } from '../harness/cpu-profile.js';
import type { LoadResult } from '../harness/load.js';
import type { ServerView } from '../harness/metrics.js';
import type { PgActivity } from '../harness/pg-activity.js';
import { cores, int, LOAD_HEAD, loadRow, ms, pct, profileText, table } from './report.js';

export interface LoadRun {
  name: string;
  load: LoadResult;
  cpu: CpuShare;
  server?: ServerView;
  /** Units of work per second other than responses (e.g. cycles/s), by name. */
  rates?: Record<string, number>;
  /** Latency per step for multi-request runs: step → P50/P95/P99 ms and count. */
  steps?: { step: string; count: number; p50: number; p95: number; p99: number }[];
  /** What PostgreSQL did in the window, and the units of work to divide it by. */
  pg?: PgActivity;
  unit?: { name: string; count: number };
}

export interface Target {
  target: string;
  measured: string;
  met: boolean;
}

export interface SuiteReport {
  suite: string;
  title: string;
  date: string;
  /** One-paragraph description of the setup. */
  setup: string[];
  runs: LoadRun[];
  ratios: { label: string; value: number }[];
  targets: Target[];
  /** In-process costs: operation → µs per call. */
  costs: { operation: string; usPerOp: number; note?: string }[];
  profiles: { scenario: string; summary: ProfileSummary }[];
  /** Further tables a suite prints after its costs. */
  tables: { title: string; head: string[]; rows: (string | number)[][] }[];
  notes: string[];
}

export function newSuiteReport(suite: string, title: string): SuiteReport {
  return {
    suite,
    title,
    date: new Date().toISOString(),
    setup: [],
    runs: [],
    ratios: [],
    targets: [],
    costs: [],
    profiles: [],
    tables: [],
    notes: [],
  };
}

export function printRun(run: LoadRun): void {
  const { load } = run;
  const rates = Object.entries(run.rates ?? {})
    .map(([name, value]) => `, ${value.toFixed(1)} ${name}`)
    .join('');
  process.stdout.write(
    `  ${run.name}: ${Math.round(load.rps)} 2xx/s${rates}, P50 ${load.p50.toFixed(2)} P95 ${load.p95.toFixed(2)} ` +
      `P99 ${load.p99.toFixed(2)} ms, errors ${load.errors}, non-2xx ${load.non2xx} ${JSON.stringify(load.statuses)}\n`,
  );
}

function extrasOf(runs: LoadRun[]): string[] {
  return [...new Set(runs.flatMap((run) => Object.keys(run.cpu.extra ?? {})))];
}

function cpuTable(runs: LoadRun[]): string {
  const extras = extrasOf(runs);
  return table(
    [
      'run',
      'server',
      'load gen',
      'postgres',
      ...extras,
      'other procs',
      'steal',
      'server µs CPU/req',
      'server+pg µs CPU/req',
    ],
    runs.map(({ name, cpu, load }) => {
      const pg = cpu.pgBackends + cpu.pgShared;
      const per = (cores: number) => int((cores / Math.max(load.rps, 1)) * 1e6);
      return [
        name,
        cores(cpu.server),
        cores(cpu.loadGenerator),
        cores(pg),
        ...extras.map((name) => cores(cpu.extra?.[name] ?? 0)),
        cores(cpu.other),
        cores(cpu.steal),
        per(cpu.server),
        per(cpu.server + pg),
      ];
    }),
  );
}

function serverTable(runs: LoadRun[]): string | undefined {
  const viewed = runs.filter((run) => run.server);
  if (viewed.length === 0) return undefined;
  return table(
    [
      'run',
      'client P50 ms',
      'handler mean ms',
      'client P95 ms',
      'handler P95 ms (est.)',
      'audit records/flush',
      'audit flush ms',
      'GC share',
      'event-loop delay P99 / max ms',
    ],
    viewed.map(({ name, load, server }) => [
      name,
      ms(load.p50),
      ms(server!.handlerMeanMs),
      ms(load.p95),
      ms(server!.handlerP95Ms),
      server!.auditBatch > 0 ? server!.auditBatch.toFixed(1) : '-',
      server!.auditBatch > 0 ? ms(server!.auditFlushMs) : '-',
      pct(server!.gcShare),
      server!.eventLoopMaxMs === undefined
        ? '-'
        : `${ms(server!.eventLoopP99Ms ?? Number.NaN)} / ${ms(server!.eventLoopMaxMs)}`,
    ]),
  );
}

export function formatSuite(report: SuiteReport): string {
  const parts: string[] = [`## ${report.title}`, `Run: ${report.date}. ${report.setup.join(' ')}`];
  const rateNames = [...new Set(report.runs.flatMap((run) => Object.keys(run.rates ?? {})))];
  parts.push(
    table(
      [...LOAD_HEAD.filter((head) => head !== 'db'), ...rateNames],
      report.runs.map((run) => {
        const row = loadRow(run.name, '', run.load);
        row.splice(1, 1);
        return [...row, ...rateNames.map((name) => (run.rates?.[name] ?? Number.NaN).toFixed(1))];
      }),
    ),
  );
  const steps = report.runs.filter((run) => run.steps && run.steps.length > 0);
  for (const run of steps) {
    parts.push(
      `Latency per step, "${run.name}":\n\n` +
        table(
          ['step', 'responses', 'P50 ms', 'P95 ms', 'P99 ms'],
          run.steps!.map((s) => [s.step, int(s.count), ms(s.p50), ms(s.p95), ms(s.p99)]),
        ),
    );
  }
  if (report.ratios.length > 0)
    parts.push(
      table(
        ['ratio', 'value'],
        report.ratios.map((r) => [r.label, pct(r.value)]),
      ),
    );
  if (report.targets.length > 0)
    parts.push(
      table(
        ['target', 'measured', 'met'],
        report.targets.map((t) => [t.target, t.measured, t.met ? 'yes' : 'MISSED']),
      ),
    );
  parts.push(
    'CPU during the measured window, in cores (2.00 = the whole machine); "µs CPU/req" divides by the 2xx/s:\n\n' +
      cpuTable(report.runs),
  );
  const activity = report.runs.filter((run) => run.pg && run.unit && run.unit.count > 0);
  if (activity.length > 0) {
    parts.push(
      "PostgreSQL's own counters over the window (pg_stat_database, pg_stat_user_tables; background work included), per unit of work:\n\n" +
        table(
          ['run', 'unit', 'units', 'commits/unit', 'rows written/unit', 'most written tables (rows/unit)'],
          activity.map(({ name, pg, unit }) => [
            name,
            unit!.name,
            int(unit!.count),
            (pg!.commits / unit!.count).toFixed(1),
            (pg!.rowsWritten / unit!.count).toFixed(1),
            pg!.tables
              .slice(0, 6)
              .map((t) => `${t.table} ${((t.inserted + t.updated + t.deleted) / unit!.count).toFixed(1)}`)
              .join(', '),
          ]),
        ),
    );
  }
  const server = serverTable(report.runs);
  if (server) parts.push(`The server's own view (/metrics deltas):\n\n${server}`);
  if (report.costs.length > 0)
    parts.push(
      'In-process costs, one call at a time (no contention):\n\n' +
        table(
          ['operation', 'µs/op', 'note'],
          report.costs.map((c) => [c.operation, c.usPerOp.toFixed(1), c.note ?? '']),
        ),
    );
  for (const extra of report.tables) parts.push(`${extra.title}\n\n${table(extra.head, extra.rows)}`);
  for (const { scenario, summary } of report.profiles) parts.push(profileText(`"${scenario}"`, summary));
  if (report.notes.length > 0) parts.push(report.notes.map((note) => `- ${note}`).join('\n'));
  return parts.join('\n\n');
}
