/**
 * Formats a run as Markdown tables (readable in a terminal, pasted as-is into docs/benchmarks.md):
 * the scenarios, the baselines, the ratios, the targets, and where the time goes.
 */

import type { CpuShare } from '../harness/cpu.js';
import type { ProfileSummary } from '../harness/cpu-profile.js';
import type { LoadResult } from '../harness/load.js';
import type { Machine } from '../harness/machine.js';
import type { ServerView } from '../harness/metrics.js';
import type { BaselineResult } from '../suites/baselines.js';
import type { Cost } from '../suites/costs.js';
import type { StatementCost } from '../suites/statements.js';

export type Db = 'postgres' | 'pglite';

export interface ScenarioResult {
  scenario: string;
  db: Db;
  audited: boolean;
  load: LoadResult;
  cpu: CpuShare;
  server: ServerView;
}

export interface RunReport {
  date: string;
  machine: Machine;
  /** 1-minute load average when the run ended (other people's work may have started meanwhile). */
  loadAfter?: number;
  options: {
    connections: number;
    durationS: number;
    warmupS: number;
    poolSize: number;
    /** Patients seeded per database. */
    seeded: Partial<Record<Db, number>>;
  };
  results: ScenarioResult[];
  bareFastify?: BaselineResult;
  /** Bare fastify reading the Patient's stored JSON with one pg query: the floor for a read. */
  bareFastifyPg?: BaselineResult;
  barePgInsert?: BaselineResult;
  costs: Cost[];
  statements?: StatementCost[];
  profiles: { scenario: string; db: Db; summary: ProfileSummary }[];
}

export function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((row) => row.map(String))];
  const widths = head.map((_, i) => Math.max(3, ...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    line(cells[0]!),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...cells.slice(1).map(line),
  ].join('\n');
}

export const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-GB') : 'n/a');
export const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(n < 10 ? 2 : 1) : 'n/a');
export const pct = (n: number) => (Number.isFinite(n) ? `${Math.round(n * 100)}%` : 'n/a');
export const cores = (n: number) => n.toFixed(2);

export function loadRow(name: string, db: string, load: LoadResult): (string | number)[] {
  return [
    name,
    db,
    int(load.rps),
    ms(load.p50),
    ms(load.p95),
    ms(load.p99),
    `${load.errors} / ${load.non2xx}`,
  ];
}

export const LOAD_HEAD = ['scenario', 'db', 'req/s', 'P50 ms', 'P95 ms', 'P99 ms', 'errors / non-2xx'];

function find(report: RunReport, db: Db, prefix: string): ScenarioResult | undefined {
  return report.results.find((r) => r.db === db && r.scenario.startsWith(prefix));
}

export function ratios(report: RunReport): { label: string; value: number }[] {
  const out: { label: string; value: number }[] = [];
  for (const db of ['postgres', 'pglite'] as const) {
    const fastify = report.bareFastify?.load.rps;
    const insert = report.barePgInsert?.load.rps;
    for (const prefix of ['read Patient', 'read Organization']) {
      const result = find(report, db, prefix);
      if (result && fastify)
        out.push({ label: `${prefix} (${db}) / bare fastify`, value: result.load.rps / fastify });
    }
    const withDb = report.bareFastifyPg?.load.rps;
    const read = find(report, db, 'read Patient');
    if (read && withDb)
      out.push({ label: `read Patient (${db}) / bare fastify + pg SELECT`, value: read.load.rps / withDb });
    const create = find(report, db, 'create');
    if (create && insert)
      out.push({ label: `create Patient (${db}) / bare pg INSERT`, value: create.load.rps / insert });
  }
  return out;
}

export function targets(report: RunReport): { target: string; measured: string; met: boolean }[] {
  const read = find(report, 'postgres', 'read Patient');
  const create = find(report, 'postgres', 'create');
  const insert = report.barePgInsert?.load.rps;
  const out: { target: string; measured: string; met: boolean }[] = [];
  if (read) {
    out.push({
      target: 'read by id >= 5,000 req/s (PostgreSQL)',
      measured: `${int(read.load.rps)} req/s`,
      met: read.load.rps >= 5000,
    });
    out.push({
      target: 'read by id P95 < 20 ms (PostgreSQL)',
      measured: `${ms(read.load.p95)} ms`,
      met: read.load.p95 < 20,
    });
  }
  if (create) {
    out.push({
      target: 'create >= 1,500 req/s (PostgreSQL)',
      measured: `${int(create.load.rps)} req/s`,
      met: create.load.rps >= 1500,
    });
    if (insert) {
      const share = create.load.rps / insert;
      out.push({ target: 'create >= 50% of bare pg INSERT rate', measured: pct(share), met: share >= 0.5 });
    }
  }
  return out;
}

export function formatReport(report: RunReport): string {
  const { machine, options } = report;
  const parts: string[] = [];
  parts.push(
    `Machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, ` +
      `PostgreSQL ${machine.postgres}; load average before the run ${machine.loadBefore.map((n) => n.toFixed(2)).join(' ')}` +
      (report.loadAfter !== undefined
        ? `, 1-minute load average after it ${report.loadAfter.toFixed(2)}. `
        : '. ') +
      `Load generator, server and database share these cores.`,
    `Run: ${report.date}; ${options.connections} connections, ${options.warmupS} s warm-up + ${options.durationS} s measured per scenario; ` +
      `DB_POOL_SIZE ${options.poolSize}; seeded patients: ${Object.entries(options.seeded)
        .map(([db, n]) => `${n} on ${db}`)
        .join(', ')} (organisations: a tenth of that).`,
  );
  parts.push(
    `### Scenarios\n\n${table(
      LOAD_HEAD,
      report.results.map((r) => loadRow(r.scenario, r.db, r.load)),
    )}`,
  );
  const baselines: (string | number)[][] = [];
  if (report.bareFastify)
    baselines.push(loadRow('bare fastify GET (same Patient JSON)', '-', report.bareFastify.load));
  if (report.bareFastifyPg) {
    baselines.push(loadRow('bare fastify GET + one pg SELECT by id', 'postgres', report.bareFastifyPg.load));
  }
  if (report.barePgInsert) {
    baselines.push(loadRow('bare pg INSERT (same resource JSON)', 'postgres', report.barePgInsert.load));
  }
  if (baselines.length > 0) parts.push(`### Baselines (same run)\n\n${table(LOAD_HEAD, baselines)}`);
  const r = ratios(report);
  if (r.length > 0)
    parts.push(
      `### Ratios\n\n${table(
        ['ratio', 'value'],
        r.map(({ label, value }) => [label, pct(value)]),
      )}`,
    );
  const t = targets(report);
  if (t.length > 0) {
    parts.push(
      `### Targets\n\n${table(
        ['target', 'measured', 'met'],
        t.map((x) => [x.target, x.measured, x.met ? 'yes' : 'MISSED']),
      )}`,
    );
  }
  parts.push(formatWhere(report));
  return parts.join('\n\n');
}

/** Every area that appears in either list, by self time; inclusive only for non-wrapper areas. */
/** A CPU profile's summary as Markdown: areas by self and inclusive time, the top functions. */
export function profileText(title: string, summary: ProfileSummary): string {
  const share = (value: number) => pct(value / summary.busyMs);
  const names = [
    ...new Set([...summary.areas.map((a) => a.area), ...summary.areasInclusive.map((a) => a.area)]),
  ];
  const self = new Map(summary.areas.map((a) => [a.area, a.ms]));
  const inclusive = new Map(summary.areasInclusive.map((a) => [a.area, a.ms]));
  const rows = names
    .map((name): [string, number, number] => [name, self.get(name) ?? 0, inclusive.get(name) ?? 0])
    .sort((a, b) => b[1] - a[1])
    .map(([area, s, i]) => [area, share(s), i > 0 ? share(i) : '']);
  return (
    `CPU profile of the server during ${title}: ${int(summary.busyMs)} ms busy of ${int(summary.wallMs)} ms wall.\n\n` +
    table(['area', 'self time', 'with what it calls'], rows) +
    '\n\n' +
    table(
      ['top functions by self time', 'share'],
      summary.selfTop.map((f) => [f.fn, share(f.ms)]),
    ) +
    '\n\n' +
    table(
      ['src/ functions by inclusive time', 'share'],
      summary.inclusiveTop.map((f) => [f.fn, share(f.ms)]),
    )
  );
}

function formatWhere(report: RunReport): string {
  const parts: string[] = ['### Where the time goes'];
  const cpuRows = report.results.map((r) => [
    r.scenario,
    r.db,
    cores(r.cpu.server),
    cores(r.cpu.loadGenerator),
    cores(r.cpu.pgBackends + r.cpu.pgShared),
    cores(r.cpu.other),
    cores(r.cpu.steal ?? 0),
    int((r.cpu.server / Math.max(r.load.rps, 1)) * 1e6),
    int(((r.cpu.server + r.cpu.pgBackends + r.cpu.pgShared) / Math.max(r.load.rps, 1)) * 1e6),
  ]);
  for (const [name, baseline] of [
    ['bare fastify GET', report.bareFastify],
    ['bare fastify GET + pg SELECT', report.bareFastifyPg],
    ['bare pg INSERT', report.barePgInsert],
  ] as const) {
    if (!baseline) continue;
    const { cpu, load } = baseline;
    // For bare pg the "server" is the pg client in this process, counted as load generator.
    const serving =
      cpu.server + cpu.pgBackends + cpu.pgShared + (name === 'bare pg INSERT' ? cpu.loadGenerator : 0);
    cpuRows.push([
      name,
      '-',
      cores(cpu.server),
      cores(cpu.loadGenerator),
      cores(cpu.pgBackends + cpu.pgShared),
      cores(cpu.other),
      cores(cpu.steal ?? 0),
      int((cpu.server / Math.max(load.rps, 1)) * 1e6),
      int((serving / Math.max(load.rps, 1)) * 1e6),
    ]);
  }
  parts.push(
    'CPU during the measured window, in cores (2.00 = the whole machine); "µs CPU/req" divides by the req/s:\n\n' +
      table(
        [
          'scenario',
          'db',
          'server',
          'load gen',
          'postgres',
          'other procs',
          'steal',
          'server µs CPU/req',
          'server+pg µs CPU/req',
        ],
        cpuRows,
      ),
  );
  parts.push(
    "The server's own view (/metrics deltas). Handler time runs from fastify's onRequest to the reply, so it includes waiting for " +
      'the database and for the audit flush; the gap to the client latency is queueing before fastify reads the request:\n\n' +
      table(
        [
          'scenario',
          'db',
          'client P50 ms',
          'handler mean ms',
          'client P95 ms',
          'handler P95 ms (est.)',
          'audit records/flush',
          'audit flush ms',
          'GC share',
        ],
        report.results.map((r) => [
          r.scenario,
          r.db,
          ms(r.load.p50),
          ms(r.server.handlerMeanMs),
          ms(r.load.p95),
          ms(r.server.handlerP95Ms),
          r.audited ? r.server.auditBatch.toFixed(1) : '-',
          r.audited ? ms(r.server.auditFlushMs) : '-',
          pct(r.server.gcShare),
        ]),
      ),
  );
  if (report.costs.length > 0) {
    parts.push(
      'Per-operation costs, in-process, one at a time (no contention):\n\n' +
        table(
          ['operation', 'µs/op'],
          report.costs.map((c) => [c.operation, Number.isFinite(c.usPerOp) ? c.usPerOp.toFixed(1) : '']),
        ),
    );
  }
  if (report.statements) {
    const paths = [...new Set(report.statements.map((s) => s.path))];
    const rows: (string | number)[][] = [];
    for (const path of paths) {
      const list = report.statements.filter((s) => s.path === path);
      for (const s of list) rows.push([path, s.statement, ms(s.wallUs), ms(s.pgCpuUs)]);
      const sum = (key: 'wallUs' | 'pgCpuUs') => list.reduce((total, s) => total + s[key], 0);
      rows.push([path, '**total**', `**${ms(sum('wallUs'))}**`, `**${ms(sum('pgCpuUs'))}**`]);
    }
    parts.push(
      "PostgreSQL statements of the service's own create, read and audit flush, one at a time on one connection " +
        "(wall µs per execution, and the backend's CPU µs from /proc/<pid>/schedstat):\n\n" +
        table(['path', 'statement', 'wall µs', 'PostgreSQL CPU µs'], rows),
    );
  }
  for (const { scenario, db, summary } of report.profiles) {
    parts.push(profileText(`"${scenario}" (${db})`, summary));
  }

  return parts.join('\n\n');
}
