/**
 * Round trips to PostgreSQL per portal read, counted at the wire (pg-wire.ts): the service runs
 * once more, on the same data and port (so the patients' tokens stay valid), with DATABASE_URL
 * pointing at the counting proxy. First an idle window gives the background rate (the outbox
 * dispatcher, pg-boss and the job runner poll on their own); then each scenario one request at a
 * time (every statement a request makes, its audit flush included) and at the measured runs'
 * concurrency (audit records share flushes, as under load). The background is subtracted.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { SignedInPatient } from '../data/portal-accounts.js';
import { measure } from '../harness/load.js';
import { countsBetween, PgWireCounter, type WireCounts } from '../harness/pg-wire.js';
import { PG_URL, startPathways } from '../harness/service.js';
import type { Settings } from './platform-suite.js';
import { type PortalScenario, patientReads } from './portal-scenarios.js';

const IDLE_S = 10;
const ONE_AT_A_TIME = 300;
const LOADED_S = 5;

export interface RoundTripOptions {
  dataDir: string;
  port: number;
  settings: Settings;
  scenarios: PortalScenario[];
  patients: SignedInPatient[];
}

export interface ScenarioRoundTrips {
  /** Round trips per 2xx request, one request at a time, and at the runs' concurrency. */
  single: number;
  loaded: number;
  loadedRequests: number;
  /** One at a time: round trips per request by statement, most first. */
  statements: { statement: string; perRequest: number }[];
}

export interface RoundTrips {
  /** Round trips a second while no requests were made (subtracted from the figures). */
  backgroundPerS: number;
  scenarios: ScenarioRoundTrips[];
}

interface Window {
  counts: WireCounts;
  seconds: number;
  requests: number;
}

/** Undefined when PostgreSQL is not reached over TCP (the proxy forwards TCP only). */
export async function countRoundTrips(options: RoundTripOptions): Promise<RoundTrips | undefined> {
  const target = new URL(PG_URL);
  if (!/^[\d.]+$|^localhost$/.test(target.hostname)) return undefined;
  const counter = new PgWireCounter(target.hostname, Number(target.port || 5432));
  const proxied = new URL(PG_URL);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(await counter.listen());
  process.stdout.write('portal: counting round trips through a proxy\n');
  const server = await startPathways('postgres', options.dataDir, options.settings.pool, {
    port: options.port,
    env: { DATABASE_URL: proxied.toString() },
  });
  try {
    await sleep(3_000);
    const idle = await window(counter, async () => {
      await sleep(IDLE_S * 1000);
      return 0;
    });
    const background = idle.counts.roundTrips / idle.seconds;
    const perRequest = (w: Window) =>
      (w.counts.roundTrips - background * w.seconds) / Math.max(w.requests, 1);
    const scenarios: ScenarioRoundTrips[] = [];
    for (const scenario of options.scenarios) {
      const single = await window(counter, () => oneAtATime(server.url, scenario, options.patients));
      const loaded = await window(counter, async () => {
        const load = await measure({
          url: server.url,
          connections: options.settings.connections,
          durationS: LOADED_S,
          warmupS: 0,
          requests: patientReads(options.patients, scenario),
        });
        return load.statuses['200'] ?? 0;
      });
      const statements = [...single.counts.byStatement]
        .map(([statement, n]) => {
          const idleRate = (idle.counts.byStatement.get(statement) ?? 0) / idle.seconds;
          return { statement, perRequest: (n - idleRate * single.seconds) / Math.max(single.requests, 1) };
        })
        .filter((s) => s.perRequest >= 0.1)
        .sort((x, y) => y.perRequest - x.perRequest);
      scenarios.push({
        single: perRequest(single),
        loaded: perRequest(loaded),
        loadedRequests: loaded.requests,
        statements,
      });
    }
    return { backgroundPerS: background, scenarios };
  } finally {
    await server.stop();
    await counter.close();
  }
}

async function window(counter: PgWireCounter, run: () => Promise<number>): Promise<Window> {
  const before = counter.snapshot();
  const started = performance.now();
  const requests = await run();
  const seconds = (performance.now() - started) / 1000;
  return { counts: countsBetween(before, counter.snapshot()), seconds, requests };
}

async function oneAtATime(
  url: string,
  scenario: PortalScenario,
  patients: SignedInPatient[],
): Promise<number> {
  let ok = 0;
  for (let n = 0; n < ONE_AT_A_TIME; n++) {
    const p = patients[n % patients.length]!;
    const response = await fetch(`${url}${scenario.path(p.patient)}`, {
      headers: { authorization: `Bearer ${p.session.token}`, accept: 'application/fhir+json' },
      signal: AbortSignal.timeout(15_000),
    });
    await response.arrayBuffer();
    if (response.status === 200) ok++;
  }
  return ok;
}
