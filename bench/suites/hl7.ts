/**
 * HL7 bench: ADT^A08 over MLLP to a real server process (`node --import tsx bench/suites/hl7.ts
 * [--db postgres|pglite] [--seconds 20]`). Three steps: admit the patients (A01), then as fast as
 * 8 connections go (each sends its next message when its ACK arrives): messages per second and
 * ACK latency; then paced at 100 messages a second over the same 8 connections: ACK latency P50/P99.
 * Every ACK must be AA naming its control id, or the run fails.
 */
import { parseArgs } from 'node:util';
import { MllpClient } from '../../src/hl7/mllp/client.js';
import { generateNhsNumber } from '../../src/nhs/index.js';
import { adt, readAck } from '../../test/support/hl7/fixtures.js';
import { freePort, tempDir } from '../harness/processes.js';
import { waitForProfile } from '../harness/profiled.js';
import { dropDatabase, preloadFlags, recreateDatabase, startPathways } from '../harness/service.js';
import type { Db } from '../report/report.js';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'postgres' },
    seconds: { type: 'string', default: '20' },
    patients: { type: 'string', default: '200' },
    connections: { type: 'string', default: '8' },
    rate: { type: 'string', default: '100' },
    // A CPU profile of the server over the closed-loop run (bench/harness/profiler-preload.ts), summarised.
    profile: { type: 'boolean', default: false },
  },
});
const db = values.db as Db;
const seconds = Number(values.seconds);
const connections = Number(values.connections);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function connect(port: number): Promise<MllpClient> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await MllpClient.connect({ host: '127.0.0.1', port, timeoutMs: 30_000 });
    } catch (error) {
      if (attempt > 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

let sequence = 0;
function a08(nhsNumber: string, visit: string): { message: string; control: string } {
  sequence += 1;
  const control = `BENCH${process.pid}-${sequence}`;
  // Event times increase, so no update is stale and each one writes a new version.
  const at = new Date(Date.UTC(2026, 0, 1) + sequence * 1000).toISOString().replace(/\D/g, '').slice(0, 14);
  return {
    // The patient's own stay: a visit number shared by every patient would serialise all the
    // messages on one stay's lock (and move that stay from patient to patient).
    message: adt({
      trigger: 'A08',
      control,
      at,
      nhsNumber,
      mrn: `B${nhsNumber}`,
      given: `G${sequence}`,
      visit,
    }),
    control,
  };
}

async function timedSend(client: MllpClient, patients: string[], index: number): Promise<number> {
  const at = index % patients.length;
  const { message, control } = a08(patients[at]!, `BV${at}`);
  const start = performance.now();
  const [ack] = await client.send(message);
  const elapsed = performance.now() - start;
  const read = readAck(ack ?? '');
  if (read.code !== 'AA' || read.controlId !== control)
    throw new Error(`unexpected ACK ${read.code} ${read.text}`);
  return elapsed;
}

async function main(): Promise<void> {
  const data = tempDir('pathways-bench-hl7-');
  if (db === 'postgres') await recreateDatabase();
  const mllpPort = await freePort();
  const profiles = values.profile ? tempDir('pathways-bench-hl7-prof-') : undefined;
  const server = await startPathways(db, data.dir, 10, {
    env: {
      MLLP_PORT: String(mllpPort),
      MLLP_HOST: '127.0.0.1',
      ...(profiles ? { PROFILE_DIR: profiles.dir } : {}),
    },
    ...(profiles ? { nodeFlags: preloadFlags('./bench/harness/profiler-preload.ts') } : {}),
  });
  try {
    const clients = await Promise.all(Array.from({ length: connections }, () => connect(mllpPort)));
    const patients = Array.from({ length: Number(values.patients) }, () => generateNhsNumber());
    process.stdout.write(`seeding ${patients.length} patients\n`);
    for (const [index, nhsNumber] of patients.entries()) {
      const [ack] = await clients[index % connections]!.send(
        adt({
          trigger: 'A01',
          control: `SEED-${process.pid}-${index}`,
          nhsNumber,
          mrn: `B${nhsNumber}`,
          visit: `BV${index}`,
        }),
      );
      if (readAck(ack ?? '').code !== 'AA') throw new Error(`seed failed: ${ack}`);
    }

    // Closed loop: each connection sends its next message as soon as its ACK arrives.
    const latencies: number[] = [];
    if (profiles) server.signal('SIGUSR2');
    const end = performance.now() + seconds * 1000;
    const started = performance.now();
    await Promise.all(
      clients.map(async (client, c) => {
        let i = c;
        while (performance.now() < end) {
          latencies.push(await timedSend(client, patients, i));
          i += connections;
        }
      }),
    );
    const throughput = latencies.length / ((performance.now() - started) / 1000);
    latencies.sort((a, b) => a - b);
    if (profiles) {
      server.signal('SIGUSR2');
      const summary = await waitForProfile(`${profiles.dir}/1.cpuprofile`);
      process.stdout.write(`server CPU over the closed loop:\n${JSON.stringify(summary, null, 1)}\n`);
    }

    // Open loop at the target rate, spread over the connections.
    const rate = Number(values.rate);
    const paced: number[] = [];
    const total = rate * seconds;
    const pacedStart = performance.now();
    const sends: Promise<void>[] = [];
    for (let n = 0; n < total; n++) {
      const due = pacedStart + (n * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      sends.push(timedSend(clients[n % connections]!, patients, n).then((ms) => void paced.push(ms)));
    }
    await Promise.all(sends);
    paced.sort((a, b) => a - b);
    await Promise.all(clients.map((client) => client.close()));

    const result = {
      db,
      connections,
      patients: patients.length,
      closedLoop: {
        messages: latencies.length,
        perSecond: Math.round(throughput),
        p50Ms: Number(percentile(latencies, 50).toFixed(1)),
        p99Ms: Number(percentile(latencies, 99).toFixed(1)),
      },
      paced: {
        ratePerSecond: rate,
        messages: paced.length,
        p50Ms: Number(percentile(paced, 50).toFixed(1)),
        p99Ms: Number(percentile(paced, 99).toFixed(1)),
      },
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } catch (error) {
    process.stderr.write(`${server.output()}\n`);
    throw error;
  } finally {
    await server.stop();
    data.remove();
    profiles?.remove();
    if (db === 'postgres') await dropDatabase();
  }
}

await main();
