/**
 * Child-process control: the Pathways server and the bare fastify baseline each run in their own
 * process, as in production, so the load generator (this process) never shares their event loop.
 * Every child is tracked and killed on exit, including when the run fails or is interrupted.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { childEnv } from '../../test/child-env.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const live = new Set<ChildProcess>();

function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

export interface Server {
  url: string;
  /** Where its Prometheus `/metrics` is scraped (its own listener for Pathways, METRICS_PORT). */
  metricsUrl: string;
  pid: number;
  /** The last lines the child wrote, to explain a failure. */
  output(): string;
  /** Sends a signal (the profiler preload listens to SIGUSR2). */
  signal(name: NodeJS.Signals): void;
  stop(): Promise<void>;
}

export interface ServerOptions {
  /** Script and arguments; a .ts script runs through tsx. */
  args: string[];
  env: Record<string, string>;
  port: number;
  /** The metrics listener's port, when the server has one apart from `port`. */
  metricsPort?: number;
  /** Extra node flags, e.g. a profiler preload. */
  nodeFlags?: string[];
  /** A path that answers 200 once the server is ready. */
  readyPath: string;
  startTimeoutMs?: number;
}

export async function startServer(options: ServerOptions): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...(options.nodeFlags ?? []), ...options.args], {
    cwd: ROOT,
    env: { ...childEnv(), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = once(child, 'exit').then(() => live.delete(child));
  const url = `http://127.0.0.1:${options.port}`;
  const server: Server = {
    url,
    metricsUrl: options.metricsPort === undefined ? url : `http://127.0.0.1:${options.metricsPort}`,
    pid: child.pid ?? -1,
    output: () => tail,
    signal: (name) => child.kill(name),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      // The service drains within 10 s by contract; past that it is killed.
      const timer = sleep(12_000).then(() => child.kill('SIGKILL'));
      await Promise.race([exited, timer]);
      await exited;
    },
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`server exited with ${child.exitCode} during start:\n${tail}`);
    const ok = await fetch(url + options.readyPath).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return server;
    await sleep(200);
  }
  await server.stop();
  throw new Error(`server did not become ready within the start timeout:\n${tail}`);
}

/** A fresh temporary directory, removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A free loopback port, from the kernel. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
