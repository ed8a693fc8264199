/**
 * Every throughput suite on PostgreSQL with WORKERS=1 and then WORKERS=2, one command:
 *   node --import tsx bench/workers-matrix.ts [--suite platform,orders,cycles,portal] [-- run.ts options]
 * (npm run bench:workers). Each (suite, WORKERS) pair is its own `bench/run.ts` child on a fresh
 * database, one after the other, its raw figures kept in bench/.workers/<suite>-w<N>.json and its
 * full Markdown report in the .md beside it; at the end one Markdown table sets the two side by
 * side, run by run. Options after `--` go to every run.ts (e.g. `-- --duration 20 --wait-quiet 5`).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { LoadResult } from './harness/load.js';

const THROUGHPUT_SUITES = ['platform', 'orders', 'cycles', 'portal'] as const;
const WORKERS = ['1', '2'] as const;
const OUT = path.join(import.meta.dirname, '.workers');

const { values, positionals } = parseArgs({
  options: { suite: { type: 'string', multiple: true } },
  allowPositionals: true,
});
const suites = (values.suite ?? [...THROUGHPUT_SUITES])
  .flatMap((value) => value.split(','))
  .map((s) => s.trim());

interface Row {
  suite: string;
  run: string;
  load: LoadResult;
  rates?: Record<string, number>;
}

/** The measured runs of one run.ts JSON file, whichever suite wrote it. */
function runsOf(suite: string, file: string): Row[] {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as {
    results?: { scenario: string; db: string; load: LoadResult }[];
    suites?: { runs: { name: string; load: LoadResult; rates?: Record<string, number> }[] }[];
  };
  if (raw.results) {
    return raw.results.map((result) => ({
      suite,
      run: `${result.scenario} (${result.db})`,
      load: result.load,
    }));
  }
  return (raw.suites ?? []).flatMap((report) =>
    report.runs.map((run) => ({
      suite,
      run: run.name,
      load: run.load,
      ...(run.rates ? { rates: run.rates } : {}),
    })),
  );
}

function cell(row: Row | undefined): string {
  if (!row) return '–';
  const rates = Object.entries(row.rates ?? {})
    .map(([name, value]) => `${value.toFixed(0)} ${name}`)
    .join(', ');
  const failed = row.load.errors + row.load.non2xx;
  return `${row.load.rps.toFixed(0)} req/s${rates ? ` (${rates})` : ''}, P99 ${row.load.p99.toFixed(0)} ms${failed ? `, ${failed} failed` : ''}`;
}

mkdirSync(OUT, { recursive: true });
const table: string[] = ['| suite | run | WORKERS=1 | WORKERS=2 |', '|---|---|---|---|'];
for (const suite of suites) {
  const byWorkers = new Map<string, Row[]>();
  for (const workers of WORKERS) {
    const json = path.join(OUT, `${suite}-w${workers}.json`);
    const args = [
      '--import',
      'tsx',
      path.join(import.meta.dirname, 'run.ts'),
      '--suite',
      suite,
      '--db',
      'postgres',
    ];
    process.stderr.write(`bench:workers: ${suite} with WORKERS=${workers}\n`);
    const child = spawnSync(process.execPath, [...args, '--json', json, ...positionals], {
      env: { ...process.env, WORKERS: workers },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 * 1024 * 1024,
    });
    writeFileSync(path.join(OUT, `${suite}-w${workers}.md`), child.stdout ?? '');
    if (child.status !== 0) throw new Error(`bench/run.ts --suite ${suite} (WORKERS=${workers}) failed`);
    byWorkers.set(workers, runsOf(suite, json));
  }
  const one = byWorkers.get('1') ?? [];
  const two = byWorkers.get('2') ?? [];
  for (const run of [...new Set([...one, ...two].map((row) => row.run))]) {
    const find = (rows: Row[]) => rows.find((row) => row.run === run);
    table.push(`| ${suite} | ${run} | ${cell(find(one))} | ${cell(find(two))} |`);
  }
}
process.stdout.write(`${table.join('\n')}\n`);
