/**
 * What a FHIR search costs PostgreSQL to plan and to run, and what a named (prepared) statement
 * saves under each plan_cache_mode: `node --import tsx bench/suites/search-statements.ts [patients]`
 * (PostgreSQL at 127.0.0.1:5432 or TEST_DATABASE_URL; a private database, dropped at the end).
 * Stores three appointments for each of `patients` patients (10,000) straight into the store's
 * tables, then for the portal's upcoming-appointments search (`patient` + `date=ge<today>`) prints
 * the planning and execution times of EXPLAIN ANALYZE, and for that search and for a read by id
 * (the store's own readCurrent) the wall time and the backend's CPU (/proc/<pid>/schedstat, when
 * PostgreSQL runs on this machine) of each, one at a time: as unnamed statements, named under
 * plan_cache_mode `auto`, and named under `force_custom_plan` (the background pool's setting,
 * postgres.ts), with the plans PostgreSQL chose for the named ones.
 */
import { readFileSync } from 'node:fs';
import type { Resource } from '@medplum/fhirtypes';
import pg from 'pg';
import type { Queryable, QueryResult } from '../../src/platform/database/database.js';
import { parseSearchQuery } from '../../src/platform/fhir/search/parse-query.js';
import { buildPageQuery } from '../../src/platform/fhir/search/sql-query.js';
import { readCurrent } from '../../src/platform/fhir/store/repository.js';
import { createTestDatabase } from '../../test/databases.js';
import { storeResources } from '../../test/support/platform/fhir-search.js';
import { appointmentOf, todayUtc } from '../data/portal-seed.js';

const PATIENTS = Number(process.argv[2] ?? 10_000);
const SEARCHES = 2_000;
const READS = 5_000;
const WARMUP = 200;
const MODES = ['unnamed', 'auto', 'force_custom_plan'] as const;

function search(n: number) {
  const query = new URLSearchParams(`patient=Patient/p-${(n * 97) % PATIENTS}&date=ge${todayUtc()}`);
  return buildPageQuery(parseSearchQuery('Appointment', query));
}

const database = await createTestDatabase('postgres');
try {
  for (let k = 0; k < 3; k++) {
    for (let start = 0; start < PATIENTS; start += 1000) {
      const batch: Resource[] = [];
      for (let n = start; n < Math.min(start + 1000, PATIENTS); n++)
        batch.push({ ...appointmentOf(`p-${n}`, n, k, 3), id: `a-${k}-${n}` });
      await storeResources(database.db, batch);
    }
  }
  await database.db.exec('ANALYZE');
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    process.stdout.write(`${PATIENTS * 3} appointments for ${PATIENTS} patients\n`);
    for (let n = 0; n < 5; n++) {
      const built = search(n);
      const plan = await client.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN (ANALYZE, BUFFERS) ${built.sql}`,
        built.params,
      );
      const times = plan.rows
        .map((row) => row['QUERY PLAN'])
        .filter((line) => /^(Planning|Execution) Time/.test(line));
      process.stdout.write(`  EXPLAIN ANALYZE: ${times.join(', ')}\n`);
    }
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const cpuNs = () => {
      try {
        return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        return Number.NaN;
      }
    };
    for (const mode of MODES) {
      await client.query(`SET plan_cache_mode = ${mode === 'unnamed' ? 'auto' : mode}`);
      const names = new Map<string, string>();
      const db: Queryable = {
        async query<T>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
          if (mode !== 'unnamed' && !names.has(sql)) names.set(sql, `${mode}_${names.size}`);
          const name = mode === 'unnamed' ? undefined : names.get(sql);
          const result = await client.query({ ...(name ? { name } : {}), text: sql, values: params });
          return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
        },
      };
      const work = {
        search: (n: number) => {
          const built = search(n);
          return db.query(built.sql, built.params);
        },
        'read by id': (n: number) => readCurrent(db, 'Appointment', `a-${n % 3}-${(n * 97) % PATIENTS}`),
      };
      for (const [label, step] of Object.entries(work)) {
        const count = label === 'search' ? SEARCHES : READS;
        for (let n = 0; n < WARMUP; n++) await step(n);
        const cpu0 = cpuNs();
        const started = performance.now();
        for (let n = WARMUP; n < WARMUP + count; n++) await step(n);
        const wallMs = (performance.now() - started) / count;
        const cpuUs = (cpuNs() - cpu0) / 1000 / count;
        process.stdout.write(
          `  ${label.padEnd(10)} ${mode.padEnd(17)}: ${wallMs.toFixed(3)} ms wall, ` +
            `${Number.isNaN(cpuUs) ? '?' : cpuUs.toFixed(1)} µs PostgreSQL CPU, one at a time\n`,
        );
      }
      if (mode !== 'unnamed') {
        const plans = await client.query<{ statement: string; generic_plans: string; custom_plans: string }>(
          'SELECT left(statement, 30) AS statement, generic_plans, custom_plans FROM pg_prepared_statements WHERE name LIKE $1',
          [`${mode}_%`],
        );
        for (const row of plans.rows) process.stdout.write(`    plans: ${JSON.stringify(row)}\n`);
      }
    }
  } finally {
    await client.end();
  }
} finally {
  await database.dispose();
}
