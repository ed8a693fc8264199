/**
 * The real `pathways` process for tests that need what inject() cannot give: signals, crashes,
 * restarts on the same data, exit codes. Every child started here is tracked so a suite can kill
 * whatever is left (and the vitest worker kills them on exit too), even when a test failed.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { childEnv } from '../child-env.js';
import { authorizationFor, type Credentials, signIn } from './sign-in.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface DatabaseLocation {
  /** DATABASE_URL (PostgreSQL); undefined = embedded PGlite in dataDir. */
  url: string | undefined;
  dataDir: string;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** performance.now() when the process ended. */
  at: number;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** SIGKILLs every process this worker started that is still running, and waits for them. */
export async function killAll(): Promise<void> {
  const waits = [...live].map(
    (child) =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  );
  await Promise.all(waits);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export function serviceEnv(
  database: DatabaseLocation,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return {
    ...childEnv(),
    HOST: '127.0.0.1',
    DATA_DIR: database.dataDir,
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    LOG_LEVEL: 'warn',
    PATHWAYS_DEMO: '0',
    MLLP_PORT: '0',
    // Off unless a suite asks for it: servers started side by side would race for port 9464.
    METRICS_PORT: '0',
    // One process, so a suite's signals and kills reach the server itself; workers.test.ts asks for more.
    WORKERS: '1',
    ...extra,
  };
}

interface Spawned {
  child: ChildProcess;
  exited: Promise<Exit>;
  stdout(): string;
  stderr(): string;
}

/** Keeps the tail of a stream: enough to diagnose a failure without holding a whole load's log. */
function tail(stream: NodeJS.ReadableStream | null, limit = 64 * 1024): () => string {
  let text = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    text = (text + chunk).slice(-limit);
  });
  return () => text;
}

function spawnPathways(args: string[], env: NodeJS.ProcessEnv): Spawned {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  const stdout = tail(child.stdout);
  const stderr = tail(child.stderr);
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal, at: performance.now() });
    });
  });
  return { child, exited, stdout, stderr };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs one `pathways` command to completion (killed after timeoutMs). */
export async function runPathways(
  args: string[],
  database: DatabaseLocation,
  env: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<CliResult> {
  const run = spawnPathways(args, serviceEnv(database, env));
  const timer = setTimeout(() => run.child.kill('SIGKILL'), timeoutMs);
  const exit = await run.exited;
  clearTimeout(timer);
  // 'exit' can precede the last 'data' events of the pipes; 'close' means they are drained.
  if (run.child.stdout && !run.child.stdout.closed) await new Promise((r) => run.child.once('close', r));
  return { code: exit.code, signal: exit.signal, stdout: run.stdout(), stderr: run.stderr() };
}

export interface ServerProcess {
  port: number;
  baseUrl: string;
  pid: number;
  exited: Promise<Exit>;
  /** stdout and stderr so far, for failure messages. */
  output(): string;
  signal(signal: NodeJS.Signals): void;
  /** SIGKILL and wait for the exit (a no-op when it already exited). */
  kill(): Promise<Exit>;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`; resolves with the exit. */
  terminate(graceMs?: number): Promise<Exit>;
}

/**
 * Starts `pathways serve` on a free loopback port and resolves once /readyz answers 200. Unless
 * `admin` is false, an administrator is added first (which also migrates) and signed in.
 */
export async function startServer(
  database: DatabaseLocation,
  options: { env?: Record<string, string>; readyTimeoutMs?: number; admin?: boolean; port?: number } = {},
): Promise<ServerProcess> {
  // A fresh administrator for each start: the suites act through the real sign-in flow.
  let credentials: Credentials | undefined;
  if (options.admin !== false) {
    const username = `ops-${randomBytes(6).toString('hex')}`;
    const added = await runPathways(
      ['user', 'add', '--username', username, '--role', 'admin'],
      database,
      options.env,
    );
    if (added.code !== 0) throw new Error(`user add failed (${added.code}): ${added.stderr}`);
    credentials = JSON.parse(added.stdout) as Credentials;
  }
  const port = options.port ?? (await freePort());
  const run = spawnPathways(['serve'], serviceEnv(database, { PORT: String(port), ...options.env }));
  let exit: Exit | undefined;
  void run.exited.then((value) => {
    exit = value;
  });
  const server: ServerProcess = {
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    pid: run.child.pid ?? -1,
    exited: run.exited,
    output: () => `--- stdout ---\n${run.stdout()}\n--- stderr ---\n${run.stderr()}`,
    signal: (signal) => {
      if (!exit) run.child.kill(signal);
    },
    async kill() {
      if (!exit) run.child.kill('SIGKILL');
      return run.exited;
    },
    async terminate(graceMs = 15_000) {
      if (!exit) run.child.kill('SIGTERM');
      const timer = setTimeout(() => run.child.kill('SIGKILL'), graceMs);
      const result = await run.exited;
      clearTimeout(timer);
      return result;
    },
  };
  const deadline = performance.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (exit)
      throw new Error(`pathways serve exited (${exit.code ?? exit.signal}) before ready\n${server.output()}`);
    if (await isReady(server.baseUrl)) {
      if (credentials) authorizationFor.set(server.baseUrl, await signIn(server.baseUrl, credentials));
      return server;
    }
    if (performance.now() > deadline) {
      await server.kill();
      throw new Error(
        `pathways serve not ready within ${options.readyTimeoutMs ?? 60_000} ms\n${server.output()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function isReady(baseUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}
