/**
 * What a FHIR search costs PostgreSQL to plan and to run, and what a named (prepared) statement
 * would save: `node --import tsx bench/suites/search-statements.ts [patients]` (PostgreSQL at
 * 127.0.0.1:5432 or TEST_DATABASE_URL; a private database, dropped at the end). Stores three
 * appointments for each of `patients` patients (10,000) straight into the store's tables, then
 * for the portal's upcoming-appointments search (`patient` + `date=ge<today>`) prints the planning
 * and execution times of EXPLAIN ANALYZE, and the time of 2,000 searches one at a time as
 * unnamed statements and as one named statement, with the plans PostgreSQL chose for the latter.
 */
import type { Resource } from '@medplum/fhirtypes';
import pg from 'pg';
import { parseSearchQuery } from '../../src/platform/fhir/search/parse-query.js';
import { buildPageQuery } from '../../src/platform/fhir/search/sql-query.js';
import { createTestDatabase } from '../../test/databases.js';
import { storeResources } from '../../test/support/platform/fhir-search.js';
import { appointmentOf, todayUtc } from '../data/portal-seed.js';

const PATIENTS = Number(process.argv[2] ?? 10_000);
const SEARCHES = 2_000;
const WARMUP = 200;

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
    for (const named of [false, true]) {
      const run = async (count: number, offset: number) => {
        for (let n = offset; n < offset + count; n++) {
          const built = search(n);
          await client.query({
            ...(named ? { name: 'appointments' } : {}),
            text: built.sql,
            values: built.params,
          });
        }
      };
      await run(WARMUP, 0);
      const started = performance.now();
      await run(SEARCHES, WARMUP);
      const ms = (performance.now() - started) / SEARCHES;
      process.stdout.write(
        `  ${named ? 'named  ' : 'unnamed'} statements: ${ms.toFixed(3)} ms a search, one at a time\n`,
      );
    }
    const plans = await client.query<{ generic_plans: string; custom_plans: string }>(
      `SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'appointments'`,
    );
    process.stdout.write(`  plans of the named statement: ${JSON.stringify(plans.rows[0])}\n`);
  } finally {
    await client.end();
  }
} finally {
  await database.dispose();
}
