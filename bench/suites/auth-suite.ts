/**
 * The auth suite (`--suite auth`): what token verification costs an authenticated read. The same
 * `GET /fhir/R4/Organization/{id}` on PostgreSQL (not patient data: no audit write), three ways:
 *
 * (a) one token shared by every connection: the verifier's cache-hit path;
 * (b) a distinct token on every request: more pre-issued `client_credentials` tokens than the
 *     verifier's cache holds (10,000), used in strict rotation, so each one has been evicted by
 *     the time it comes round again and every request pays the full ES256 verification;
 * (c) no verification: the server runs all three as bench/harness/noauth-server.ts, whose verifier
 *     is the real one until SIGHUP switches on its bypass: then it verifies the first token and
 *     returns its principal for every later request without reading the token. Requests still
 *     carry (a)'s header; hook, policy, route and process are the same.
 *
 * Then the verifier itself in-process (the service's createTokenVerifier, the server's JWKS),
 * per call, for a cache hit and a full verification.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import type autocannon from 'autocannon';
import { seed } from '../data/seed.js';
import { accessToken, manyAccessTokens, registerClient } from '../harness/auth.js';
import { CpuMeter, type CpuShare } from '../harness/cpu.js';
import { measure } from '../harness/load.js';
import { MetricsProbe, type ServerView } from '../harness/metrics.js';
import { type Server, tempDir } from '../harness/processes.js';
import { withProfiledServer } from '../harness/profiled.js';
import {
  dropDatabase,
  PG_DATABASE,
  portOf,
  recreateDatabase,
  serviceEnv,
  startPathways,
  vacuumAnalyze,
} from '../harness/service.js';
import { type LoadRun, newSuiteReport, printRun, type SuiteReport } from '../report/suite-report.js';
import type { Settings } from './platform-suite.js';
import { verifierCosts } from './verifier-costs.js';

export interface AuthOptions {
  settings: Settings;
  organizations: number;
  /** Distinct tokens for (b); more than the verifier's cache (10,000) plus the connections. */
  tokens: number;
  profile: boolean;
  keepProfiles?: string;
}

const ROUTE = '/fhir/R4/:type/:id';
const VERIFIER_CACHE = 10_000;

function reads(organizationIds: string[], authorization: () => string): autocannon.Request[] {
  return [
    {
      method: 'GET',
      headers: { accept: 'application/fhir+json' },
      setupRequest: (request) => ({
        ...request,
        path: `/fhir/R4/Organization/${organizationIds[Math.floor(Math.random() * organizationIds.length)]}`,
        headers: { ...request.headers, authorization: authorization() },
      }),
    },
  ];
}

async function loadRun(
  server: Server,
  name: string,
  settings: Settings,
  requests: autocannon.Request[],
): Promise<LoadRun> {
  const cpu = new CpuMeter(server.pid, PG_DATABASE);
  const metrics = new MetricsProbe(server.metricsUrl, ROUTE, 'GET');
  let share: CpuShare | undefined;
  let view: ServerView | undefined;
  const load = await measure(
    { url: server.url, ...settings, requests },
    {
      begin: async () => {
        await metrics.begin();
        cpu.begin();
      },
      end: async () => {
        share = cpu.end();
        view = await metrics.end();
      },
    },
  );
  const run: LoadRun = { name, load, cpu: share!, server: view! };
  printRun(run);
  return run;
}

/**
 * Switches the bench verifier's bypass (SIGHUP) and checks that it took: with bypass on, a
 * request with a token that is not one succeeds once a valid one has been seen; off, it is a 401.
 */
async function setBypass(server: Server, on: boolean, valid: string, organizationId: string): Promise<void> {
  const read = (authorization: string) =>
    fetch(`${server.url}/fhir/R4/Organization/${organizationId}`, { headers: { authorization } }).then(
      async (response) => {
        await response.arrayBuffer();
        return response.status;
      },
    );
  server.signal('SIGHUP');
  for (let attempt = 0; attempt < 50; attempt++) {
    await sleep(100);
    await read(valid);
    if (((await read('Bearer bench.not.atoken')) === 200) === on) return;
  }
  throw new Error(`the bench verifier did not switch bypass ${on ? 'on' : 'off'}`);
}

export async function authSuite(options: AuthOptions): Promise<SuiteReport> {
  const { settings } = options;
  const report = newSuiteReport('auth', 'Token verification (identity)');
  if (options.tokens <= VERIFIER_CACHE + settings.connections)
    throw new Error(`--tokens must be more than ${VERIFIER_CACHE + settings.connections}`);
  const data = tempDir('pathways-bench-auth-');
  await recreateDatabase();
  try {
    const env = serviceEnv('postgres', data.dir, settings.pool);
    const client = registerClient(env, data.dir);
    // One server for all three runs, with the bench-only verifier that SIGHUP switches off and on.
    process.stdout.write('auth: starting the server (bench/harness/noauth-server.ts)\n');
    const server = await startPathways('postgres', data.dir, settings.pool, {
      verifierBypass: true,
    });
    let organizationIds: string[];
    let shared: string;
    let tokens: string[];
    let jwks: unknown;
    try {
      const seeded = await seed(server.url, await accessToken(server.url, client), {
        patients: 10,
        organizations: options.organizations,
        families: 10,
      });
      organizationIds = seeded.organizationIds;
      await vacuumAnalyze();
      const started = performance.now();
      tokens = await manyAccessTokens(server.url, client, options.tokens);
      const issueS = (performance.now() - started) / 1000;
      process.stdout.write(`auth: issued ${tokens.length} tokens in ${issueS.toFixed(1)} s\n`);
      report.notes.push(
        `(b)'s ${tokens.length.toLocaleString('en-GB')} tokens were issued before the timed part by \`client_credentials\` ` +
          `(8 at a time: ${Math.round(tokens.length / issueS)} tokens/s, each grant a transaction with the assertion's jti and an audit record).`,
      );
      jwks = await (await fetch(`${server.url}/oauth2/jwks`)).json();
      shared = `Bearer ${await accessToken(server.url, client)}`;
      report.runs.push(
        await loadRun(
          server,
          '(a) one shared token (cache hit)',
          settings,
          reads(organizationIds, () => shared),
        ),
      );
      let next = 0;
      const rotate = () => `Bearer ${tokens[next++ % tokens.length]}`;
      report.runs.push(
        await loadRun(
          server,
          '(b) a distinct token per request (full ES256)',
          settings,
          reads(organizationIds, rotate),
        ),
      );
      report.notes.push(
        `(b) sent ${next.toLocaleString('en-GB')} requests (warm-up included) through ${tokens.length.toLocaleString('en-GB')} tokens in strict rotation: ` +
          `a token comes round again only after ${(tokens.length - 1).toLocaleString('en-GB')} others, more than the verifier's LRU cache holds (${VERIFIER_CACHE.toLocaleString('en-GB')}), so every request was a cache miss.`,
      );
      await setBypass(server, true, shared, organizationIds[0]!);
      report.runs.push(
        await loadRun(
          server,
          '(c) no verification (bypassed)',
          settings,
          reads(organizationIds, () => shared),
        ),
      );
      await setBypass(server, false, shared, organizationIds[0]!);
    } finally {
      await server.stop();
    }

    if (options.profile)
      await profileRuns(report, data.dir, portOf(server), options, organizationIds, shared, tokens);
    await verifierCosts(report, jwks, tokens);
    const [a, b, c] = report.runs.map((run) => run.load.rps) as [number, number, number];
    report.ratios.push(
      { label: '(a) shared token / (c) no verification', value: a / c },
      { label: '(b) distinct tokens / (c) no verification', value: b / c },
      { label: '(b) distinct tokens / (a) shared token', value: b / a },
    );
    report.targets.push(
      {
        target: 'authenticated (a) >= 85% of unauthenticated (c)',
        measured: `${Math.round((a / c) * 100)}%`,
        met: a / c >= 0.85,
      },
      {
        target: 'authenticated (b) >= 85% of unauthenticated (c)',
        measured: `${Math.round((b / c) * 100)}%`,
        met: b / c >= 0.85,
      },
    );
    report.setup.push(
      `PostgreSQL; ${settings.connections} connections, ${settings.warmupS} s warm-up + ${settings.durationS} s measured per run;`,
      `DB_POOL_SIZE ${settings.pool}; ${options.organizations} seeded organisations, each request reads a random one as a system client with role admin.`,
    );
    return report;
  } finally {
    await dropDatabase();
    data.remove();
  }
}

async function profileRuns(
  report: SuiteReport,
  dataDir: string,
  port: number,
  options: AuthOptions,
  organizationIds: string[],
  shared: string,
  tokens: string[],
): Promise<void> {
  await withProfiledServer('postgres', dataDir, options.settings.pool, { port }, async (profiler) => {
    // Tokens from the far end of the rotation: the new server's cache is empty anyway.
    let next = 0;
    const runs: [string, () => string][] = [
      ['(a) one shared token (cache hit)', () => shared],
      ['(b) a distinct token per request (full ES256)', () => `Bearer ${tokens[next++ % tokens.length]}`],
    ];
    for (const [name, authorization] of runs) {
      process.stdout.write(`  profiling ${name}\n`);
      const summary = await profiler.profile(
        { ...options.settings, requests: reads(organizationIds, authorization) },
        { dir: options.keepProfiles, as: `auth-${name}` },
      );
      if (summary) report.profiles.push({ scenario: name, summary });
    }
  });
}
