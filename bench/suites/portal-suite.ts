/**
 * The portal suite (`--suite portal`): authenticated patient reads on PostgreSQL. 10,000 patients
 * seeded through the API, each with a few signed prescriptions and appointments (portal-seed.ts);
 * a thousand of them with patient accounts, signed in through the real flow (portal-accounts.ts);
 * every request a random one of those patients asking for their own records with their own token:
 *
 * (i)  the prescription tracker, `GET /fhir/R4/Task?patient=Patient/<own>`
 *      (src/prescribing/routes/task-search.ts);
 * (ii) upcoming appointments, `GET /fhir/R4/Appointment?patient=Patient/<own>&date=ge<today>`
 *      (the generic search, with patient binding and the visibility rules).
 *
 * Then a profiled server, and a server behind a counting proxy for the round trips per request
 * (portal-round-trips.ts).
 */

import { createPatientAccounts, type SignedInPatient, signInPatients } from '../data/portal-accounts.js';
import { drainOutbox, seedAppointments, seedPrescriptions } from '../data/portal-seed.js';
import { startPrescribingBench } from '../data/prescribing-setup.js';
import { accessToken, registerClient } from '../harness/auth.js';
import { measure } from '../harness/load.js';
import type { Server } from '../harness/processes.js';
import { withProfiledServer } from '../harness/profiled.js';
import { dropDatabase, portOf, vacuumAnalyze } from '../harness/service.js';
import { MeasuredWindow } from '../harness/window.js';
import { costTables } from '../report/portal-report.js';
import { type LoadRun, newSuiteReport, printRun, type SuiteReport } from '../report/suite-report.js';
import type { Settings } from './platform-suite.js';
import { countRoundTrips } from './portal-round-trips.js';
import { type PortalScenario, patientReads, portalScenarios } from './portal-scenarios.js';

export interface PortalOptions {
  settings: Settings;
  patients: number;
  /** Patient accounts signed in; the load is spread over their tokens. */
  accounts: number;
  /** Prescriptions and appointments per patient. */
  prescriptions: number;
  appointments: number;
  profile: boolean;
  keepProfiles?: string;
}

const TARGET_RPS = 3_000;
const TARGET_P95_MS = 50;
/** Access tokens live 15 minutes; sessions older than this are refreshed before a run. */
const REFRESH_AFTER_MS = 10 * 60_000;

async function get(server: Server, path: string, token: string) {
  const response = await fetch(`${server.url}${path}`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' },
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: response.status === 200 ? (JSON.parse(text) as BundleLike) : undefined,
  };
}

type BundleLike = {
  entry?: {
    resource?: { for?: { reference?: string }; participant?: { actor?: { reference?: string } }[] };
  }[];
};

/**
 * Before measuring: a few patients get exactly their own records, and a patient asking for
 * someone else's gets none of them (so the runs measure the bound, checked path).
 */
async function checkAnswers(server: Server, patients: SignedInPatient[], scenarios: PortalScenario[]) {
  for (const scenario of scenarios) {
    for (const p of patients.slice(0, 5)) {
      const { status, body } = await get(server, scenario.path(p.patient), p.session.token);
      const entries = body?.entry ?? [];
      const own = entries.every(
        ({ resource }) =>
          resource?.for?.reference === p.patient ||
          resource?.participant?.some((x) => x.actor?.reference === p.patient),
      );
      if (status !== 200 || entries.length !== scenario.expected || !own)
        throw new Error(
          `${scenario.name}: ${p.patient} got ${status} with ${entries.length} entries (own: ${own})`,
        );
    }
    // A search naming another patient answers with none of their records (each one blocked,
    // audited and counted as HAZ-WRONG-PATIENT).
    const [a, b] = patients;
    if (a && b) {
      const { status, body } = await get(server, scenario.path(b.patient), a.session.token);
      if (status !== 200 || (body?.entry ?? []).length !== 0)
        throw new Error(`${scenario.name}: another patient's records answered ${status} with entries`);
    }
  }
}

async function loadRun(
  server: Server,
  scenario: PortalScenario,
  settings: Settings,
  patients: SignedInPatient[],
): Promise<LoadRun> {
  const window = new MeasuredWindow(server, scenario.route, 'GET');
  const load = await measure(
    { url: server.url, ...settings, requests: patientReads(patients, scenario) },
    window,
  );
  const run: LoadRun = {
    name: scenario.name,
    load,
    ...window.figures,
    unit: { name: 'request', count: load.statuses['200'] ?? 0 },
  };
  printRun(run);
  return run;
}

async function refreshIfOld(patients: SignedInPatient[], signedInAt: { at: number }): Promise<void> {
  if (performance.now() - signedInAt.at < REFRESH_AFTER_MS) return;
  process.stdout.write(`  refreshing ${patients.length} patients' tokens\n`);
  for (const p of patients) await p.session.refresh();
  signedInAt.at = performance.now();
}

export async function portalSuite(options: PortalOptions): Promise<SuiteReport> {
  const { settings } = options;
  const report = newSuiteReport('portal', 'Patient portal reads (patient access)');
  const scenarios = portalScenarios(options);
  const started = performance.now();
  const bench = await startPrescribingBench(settings.pool, options.patients);
  try {
    const { server } = bench;
    const seededPatientsS = (performance.now() - started) / 1000;
    const clinic = registerClient(bench.env, bench.dataDir, {
      name: 'bench-clinic',
      role: 'clinician',
      org: 'A83008',
    });
    const rx = await seedPrescriptions(bench, options.prescriptions);
    const appointments = await seedAppointments(
      server,
      await accessToken(server.url, clinic),
      bench.patientIds,
      options.appointments,
    );
    const drainedS = await drainOutbox(server);
    await vacuumAnalyze();
    const made = await createPatientAccounts(bench.env, bench.dataDir, bench.patientIds, options.accounts);
    process.stdout.write(
      `  created ${made.accounts.length} patient accounts in ${made.seconds.toFixed(1)} s\n`,
    );
    const signedIn = await signInPatients(server.url, made.accounts);
    const patients = signedIn.patients;
    const signedInAt = { at: performance.now() };
    process.stdout.write(`  signed in ${patients.length} patients in ${signedIn.seconds.toFixed(1)} s\n`);
    await checkAnswers(server, patients, scenarios);

    const gb = (n: number) => n.toLocaleString('en-GB');
    report.notes.push(
      `Seeding, all through the API: ${gb(options.patients)} patients (and the prescriber's registration) in ${seededPatientsS.toFixed(0)} s; ` +
        `${gb(rx.count)} signed prescription-orders (${options.prescriptions} a patient, \`$process-message\`, 16 at a time) in ${rx.seconds.toFixed(0)} s, ` +
        `${rx.signingS?.toFixed(0)} s of it signing in the bench; ${gb(appointments.count)} appointments (${options.appointments} a patient, ` +
        `\`POST /Appointment\` by a clinician system client) in ${appointments.seconds.toFixed(0)} s; ` +
        (drainedS === undefined
          ? 'the outbox had **not** drained after 30 minutes when measuring started.'
          : `then ${drainedS.toFixed(0)} s until the outbox and job queue were empty, and VACUUM ANALYZE.`),
      `Accounts: ${gb(made.accounts.length)} \`patient\` accounts for every ${Math.round(options.patients / made.accounts.length)}th seeded patient, ` +
        `the first with \`pathways user add --role patient --fhir-user Patient/<id>\`, the others with the function that command runs ` +
        `(\`runUserAdd\`, same arguments and argon2id hashing), 4 at a time in the bench process: ${made.seconds.toFixed(1)} s. ` +
        `Each signed in through the real flow (login, TOTP, authorization code + PKCE) from a loopback address of its own ` +
        `(sign-in allows 20 attempts a minute per address): ${signedIn.seconds.toFixed(1)} s, ${(patients.length / signedIn.seconds).toFixed(1)} sign-ins/s at 8 at a time.`,
      `Each request is a random one of the ${gb(patients.length)} signed-in patients asking for their own records with their own token; ` +
        `${gb(patients.length)} tokens fit the verifier's cache (10,000), so after the warm-up every request is a cache hit (see the auth suite for a miss). ` +
        `Checked before the runs: 5 patients got exactly their own ${scenarios.map((s) => s.expected).join(' and ')} entries; a search naming another patient returned none of their records.`,
    );

    for (const scenario of scenarios) {
      await refreshIfOld(patients, signedInAt);
      report.runs.push(await loadRun(server, scenario, settings, patients));
    }
    await server.stop();

    if (options.profile) {
      await refreshIfOld(patients, signedInAt);
      await profileRuns(report, bench.dataDir, portOf(server), options, scenarios, patients);
    }
    await refreshIfOld(patients, signedInAt);
    const trips = await countRoundTrips({
      dataDir: bench.dataDir,
      port: portOf(server),
      settings,
      scenarios,
      patients,
    });
    costTables(report, scenarios, trips, settings.connections);

    for (const [i, run] of report.runs.entries()) {
      const scenario = scenarios[i]!;
      report.targets.push(
        {
          target: `${scenario.name}: >= ${gb(TARGET_RPS)} req/s`,
          measured: `${gb(Math.round(run.load.rps))} req/s`,
          met: run.load.rps >= TARGET_RPS,
        },
        {
          target: `${scenario.name}: P95 < ${TARGET_P95_MS} ms`,
          measured: `${run.load.p95.toFixed(1)} ms`,
          met: run.load.p95 < TARGET_P95_MS,
        },
      );
    }
    report.setup.push(
      `PostgreSQL; ${settings.connections} connections, ${settings.warmupS} s warm-up + ${settings.durationS} s measured per run; DB_POOL_SIZE ${settings.pool};`,
      `${gb(options.patients)} seeded patients, each with ${options.prescriptions} prescriptions and ${options.appointments} appointments;`,
      `${gb(patients.length)} of them signed in as patients, every request a random one reading their own records.`,
    );
    return report;
  } finally {
    await bench.close();
    await dropDatabase();
  }
}

async function profileRuns(
  report: SuiteReport,
  dataDir: string,
  port: number,
  options: PortalOptions,
  scenarios: PortalScenario[],
  patients: SignedInPatient[],
): Promise<void> {
  await withProfiledServer('postgres', dataDir, options.settings.pool, { port }, async (profiler) => {
    for (const scenario of scenarios) {
      process.stdout.write(`  profiling ${scenario.name}\n`);
      const summary = await profiler.profile(
        { ...options.settings, requests: patientReads(patients, scenario) },
        { dir: options.keepProfiles, as: `portal-${scenario.name}` },
      );
      if (summary) report.profiles.push({ scenario: scenario.name, summary });
    }
  });
}
