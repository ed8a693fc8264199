/**
 * The limits our layers sit on, measured in the same run on the same machine:
 * - a bare fastify route answering the same Patient JSON (the HTTP ceiling for a read);
 * - bare `pg` INSERTs of the same resource JSON into a one-index table, with as many concurrent
 *   inserters as the load generator has connections (the database ceiling for a create).
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { nhsNumber, patient } from '../data/data.js';
import { CpuMeter, type CpuShare } from '../harness/cpu.js';
import { Latencies, type LoadResult, measure } from '../harness/load.js';
import { freePort, startServer, tempDir } from '../harness/processes.js';
import type { Seeded } from './scenarios.js';

export interface BaselineResult {
  load: LoadResult;
  cpu: CpuShare;
}

/** Bare fastify serving the sample JSON, or with `database` reading it with one query per request. */
export async function bareFastify(
  seeded: Seeded,
  options: { connections: number; durationS: number; warmupS: number; pool: number },
  database?: { url: string; name: string },
): Promise<BaselineResult> {
  const temp = tempDir('pathways-bench-bare-');
  const bodyFile = path.join(temp.dir, 'patient.json');
  writeFileSync(bodyFile, seeded.samplePatientJson);
  const port = await freePort();
  const server = await startServer({
    args: ['bench/suites/bare-fastify.ts'],
    env: {
      PORT: String(port),
      BODY_FILE: bodyFile,
      ...(database ? { DATABASE_URL: database.url, POOL: String(options.pool) } : {}),
    },
    port,
    readyPath: '/healthz',
  });
  try {
    const cpu = new CpuMeter(server.pid, database?.name);
    let share: CpuShare | undefined;
    const load = await measure(
      {
        url: server.url,
        connections: options.connections,
        durationS: options.durationS,
        warmupS: options.warmupS,
        requests: [
          {
            method: 'GET',
            headers: { accept: 'application/fhir+json' },
            setupRequest: (request) => ({
              ...request,
              path: `/fhir/R4/Patient/${seeded.patientIds[Math.floor(Math.random() * seeded.patientIds.length)]}`,
            }),
          },
        ],
      },
      {
        begin: async () => cpu.begin(),
        end: async () => {
          share = cpu.end();
        },
      },
    );
    return { load, cpu: share! };
  } finally {
    await server.stop();
    temp.remove();
  }
}

/** The stored form of a new patient: what the service writes into fhir_resource.content. */
function storedPatientJson(n: number, seeded: Seeded): { id: string; json: string } {
  const id = randomUUID();
  const resource = {
    ...patient(n, nhsNumber(n, seeded.nhsBase), seeded.families),
    id,
    meta: { versionId: '1', lastUpdated: new Date().toISOString() },
  };
  return { id, json: JSON.stringify(resource) };
}

export async function barePgInsert(
  databaseUrl: string,
  database: string,
  seeded: Seeded,
  options: { connections: number; pool: number; durationS: number; warmupS: number },
): Promise<BaselineResult> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.pool });
  pool.on('error', () => {});
  // Numbers far past anything the scenarios use, so the resource JSON stays distinct per insert.
  let next = 10_000_000;
  try {
    await pool.query('DROP TABLE IF EXISTS bench_bare_insert');
    await pool.query('CREATE TABLE bench_bare_insert (id text PRIMARY KEY, content text NOT NULL)');
    const phase = async (seconds: number, latencies?: Latencies) => {
      const deadline = performance.now() + seconds * 1000;
      let done = 0;
      let errors = 0;
      const inserter = async () => {
        while (performance.now() < deadline) {
          const { id, json } = storedPatientJson(next++, seeded);
          const started = performance.now();
          try {
            await pool.query('INSERT INTO bench_bare_insert (id, content) VALUES ($1, $2)', [id, json]);
            done++;
          } catch {
            errors++;
          }
          latencies?.add(performance.now() - started);
        }
      };
      await Promise.all(Array.from({ length: options.connections }, inserter));
      return { done, errors };
    };
    await phase(options.warmupS);
    const cpu = new CpuMeter(-1, database);
    const latencies = new Latencies();
    cpu.begin();
    const started = performance.now();
    const { done, errors } = await phase(options.durationS, latencies);
    const durationS = (performance.now() - started) / 1000;
    const share = cpu.end();
    return {
      load: {
        rps: done / durationS,
        responses: done + errors,
        ...latencies.summary(),
        errors,
        non2xx: 0,
        statuses: {},
        durationS,
      },
      cpu: share,
    };
  } finally {
    await pool.end();
  }
}
