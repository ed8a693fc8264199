/**
 * The start of the orders and cycles suites: a fresh PostgreSQL database, the service, patients
 * seeded through the API (the orders are for patients the service knows, as most are), a
 * registrar signed in with MFA, and a prescriber registered through the register's API with a
 * certificate from a CSR, signed in as a user whose token names its Practitioner.
 */
import { accessToken, registerClient } from '../harness/auth.js';
import { type BenchPrescriber, registerPrescriber, signInRegistrar } from './prescriber.js';
import { type Server, tempDir } from '../harness/processes.js';
import { seed } from './seed.js';
import { recreateDatabase, type StartOptions, serviceEnv, startPathways, vacuumAnalyze } from '../harness/service.js';

export interface PrescribingBench {
  server: Server;
  dataDir: string;
  /** The service's environment (for the CLI). */
  env: Record<string, string>;
  nhsNumbers: string[];
  /** The seeded Patients' ids, in the order of `nhsNumbers`. */
  patientIds: string[];
  prescriber: BenchPrescriber;
  /** Stops the server and removes the data directory (the database stays until dropDatabase). */
  close(): Promise<void>;
}

export async function startPrescribingBench(
  pool: number,
  patients: number,
  start: StartOptions = {},
): Promise<PrescribingBench> {
  const data = tempDir('pathways-bench-rx-');
  await recreateDatabase();
  const env = serviceEnv('postgres', data.dir, pool);
  const admin = registerClient(env, data.dir);
  process.stdout.write('starting the server\n');
  const server = await startPathways('postgres', data.dir, pool, start);
  try {
    const started = performance.now();
    const seeded = await seed(server.url, await accessToken(server.url, admin), {
      patients,
      organizations: 10,
      families: Math.max(10, Math.round(patients / 10)),
    });
    await vacuumAnalyze();
    const registrar = await signInRegistrar(server.url, env);
    const prescriber = await registerPrescriber(server.url, env, { registrar });
    process.stdout.write(
      `seeded ${patients} patients and registered prescriber Practitioner/${prescriber.practitionerId} ` +
        `in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
    return {
      server,
      dataDir: data.dir,
      env,
      nhsNumbers: seeded.nhsNumbers,
      patientIds: seeded.patientIds,
      prescriber,
      async close() {
        await server.stop();
        data.remove();
      },
    };
  } catch (error) {
    process.stderr.write(`server output:\n${server.output()}\n`);
    await server.stop();
    data.remove();
    throw error;
  }
}
