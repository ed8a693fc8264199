/**
 * `WORKERS=N` (src/cluster.ts): the HTTP server in N processes on one PostgreSQL database. Asserted
 * on the real `pathways serve`: every worker answers, the metrics port sums all of them, a killed
 * worker is replaced, SIGTERM drains them all and exits 0 within 10 s; on the embedded PGlite
 * database one process runs and one line says why.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { postgresAdminUrl } from '../databases.js';
import { required } from '../requirements.js';
import { httpRequest } from './http.js';
import { createProcessDatabase, type ProcessDatabase } from './process-database.js';
import { freePort, killAll, type ServerProcess, startServer } from './server-process.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface LogLine {
  msg?: string;
  worker?: number;
  pid?: number;
}

function logLines(server: ServerProcess): LogLine[] {
  return server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

/** The worker that answered a /healthz on a fresh connection. */
async function answeringWorker(server: ServerProcess): Promise<number | undefined> {
  const response = await httpRequest(server.baseUrl, { path: '/healthz' });
  expect(response.status).toBe(200);
  return (JSON.parse(response.body) as { worker?: number }).worker;
}

/** Asks /healthz until each of `wanted` has answered; returns who answered and how many asks. */
async function untilAnswered(
  server: ServerProcess,
  wanted: number[],
): Promise<{ seen: Set<number>; asked: number }> {
  const seen = new Set<number>();
  let asked = 0;
  // A replacement worker takes seconds to start on a loaded machine: ask for up to a minute.
  const deadline = performance.now() + 60_000;
  while (performance.now() < deadline && !wanted.every((id) => seen.has(id))) {
    const worker = await answeringWorker(server);
    asked++;
    if (worker !== undefined) seen.add(worker);
    await sleep(20);
  }
  return { seen, asked };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.runIf(required(postgresAdminUrl !== undefined, 'POSTGRES', 'no PostgreSQL server reachable'))(
  'WORKERS=2 on PostgreSQL',
  () => {
    let database: ProcessDatabase | undefined;

    afterEach(async () => {
      await killAll();
      await database?.dispose();
      database = undefined;
    });

    it(
      'serves from both workers, sums their metrics, replaces a killed worker, and drains them all on SIGTERM',
      { timeout: 120_000 },
      async () => {
        database = await createProcessDatabase('postgres', { migrated: false });
        const metricsPort = await freePort();
        const server = await startServer(database, {
          env: { WORKERS: '2', LOG_LEVEL: 'info', METRICS_PORT: String(metricsPort) },
        });
        const started = logLines(server).filter((line) => line.msg === 'worker started');
        expect(started.map((line) => line.worker)).toEqual([1, 2]);

        const first = await untilAnswered(server, [1, 2]);
        expect([...first.seen].sort()).toEqual([1, 2]);

        // The metrics port is the primary's: one scrape counts the requests every worker served.
        const scrape = await httpRequest(`http://127.0.0.1:${metricsPort}`, { path: '/metrics' });
        expect(scrape.status).toBe(200);
        const healthz = scrape.body.match(
          /^pathways_http_request_duration_seconds_count\{[^}]*route="\/healthz"[^}]*status="200"[^}]*\} (\d+)$/m,
        );
        expect(Number(healthz?.[1]), scrape.body.slice(0, 2_000)).toBe(first.asked);

        const victim = started.find((line) => line.worker === 1)?.pid;
        expect(victim).toBeTypeOf('number');
        process.kill(victim as number, 'SIGKILL');
        // Asked only once the primary saw the death: a connection the primary hands to a worker in
        // the instant it is SIGKILLed dies with it (node:cluster; docs/deployment.md).
        let died: LogLine | undefined;
        for (let tries = 0; !died && tries < 100; tries++) {
          await sleep(100);
          died = logLines(server).find((line) => line.msg === 'worker died; starting a replacement');
        }
        expect(died).toMatchObject({ worker: 1, pid: victim });
        // Read the replacement's start line now: the output kept is a tail, and the requests below
        // log enough to push it out.
        let replacement: LogLine | undefined;
        for (let tries = 0; !replacement && tries < 100; tries++) {
          replacement = logLines(server).find((line) => line.msg === 'worker started' && line.worker === 3);
          if (!replacement) await sleep(100);
        }
        expect(replacement).toBeDefined();
        // The survivor serves meanwhile; the replacement (worker 3) joins it.
        const second = await untilAnswered(server, [2, 3]);
        expect([...second.seen].sort()).toEqual([2, 3]);
        const workerPids = [...new Set([...started, replacement!].map((line) => line.pid as number))];
        expect(workerPids).toHaveLength(3);

        const termAt = performance.now();
        server.signal('SIGTERM');
        const exit = await server.exited;
        expect(exit.code, server.output()).toBe(0);
        expect(exit.at - termAt, 'ms from SIGTERM to exit').toBeLessThan(10_000);
        expect(workerPids.filter(alive), 'workers left running').toEqual([]);
        expect(server.output()).not.toContain('workers exceeded the grace period');
      },
    );
  },
);

describe('WORKERS on the embedded PGlite database', () => {
  let database: ProcessDatabase | undefined;

  afterEach(async () => {
    await killAll();
    await database?.dispose();
    database = undefined;
  });

  it('runs one process and says in one line that WORKERS was ignored', { timeout: 120_000 }, async () => {
    database = await createProcessDatabase('pglite', { migrated: true });
    const server = await startServer(database, { env: { WORKERS: '3' }, admin: false });
    expect(await answeringWorker(server)).toBeUndefined();
    const notices = server
      .output()
      .split('\n')
      .filter((line) => line.includes('WORKERS=3 ignored'));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain('PGlite');
    const exit = await server.terminate();
    expect(exit.code).toBe(0);
  });
});
