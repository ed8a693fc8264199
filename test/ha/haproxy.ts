/**
 * HAProxy (Debian's `haproxy`) as a child process on the loopback, in front of either the
 * service's replicas (health check `/readyz`, L7 retries of requests no replica took) or a
 * Patroni cluster (health check Patroni's `GET /primary`: connections go to the leader only).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const HAPROXY = '/usr/sbin/haproxy';

export interface RunningHaproxy {
  port: number;
  stop(): Promise<void>;
  output(): string;
}

/** HTTP load balancing over `servers` (loopback ports). */
export function httpConfig(port: number, servers: number[]): string {
  return `global
  maxconn 2000
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  timeout queue 10s
  # A request no replica took (refused, closed unanswered, or the 503 a stopping replica gives
  # before reading it) goes to another replica; the body is buffered so it can be sent again.
  retries 3
  option redispatch 1
  option http-buffer-request
  retry-on conn-failure empty-response 503
frontend pathways
  bind 127.0.0.1:${port}
  default_backend replicas
backend replicas
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
  default-server inter 300ms fall 1 rise 2
${servers.map((server, index) => `  server r${index} 127.0.0.1:${server} check`).join('\n')}
`;
}

/** TCP to the Patroni leader: `servers` are [postgres port, Patroni REST port] pairs. */
export function patroniConfig(port: number, servers: Array<[number, number]>): string {
  return `global
  maxconn 2000
defaults
  mode tcp
  timeout connect 2s
  timeout client 30m
  timeout server 30m
listen postgres
  bind 127.0.0.1:${port}
  option httpchk GET /primary
  http-check expect status 200
  default-server inter 500ms fall 2 rise 2 on-marked-down shutdown-sessions
${servers.map(([pg, rest], index) => `  server pg${index} 127.0.0.1:${pg} check port ${rest}`).join('\n')}
`;
}

export async function startHaproxy(port: number, config: string): Promise<RunningHaproxy> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pathways-haproxy-'));
  const file = path.join(dir, 'haproxy.cfg');
  writeFileSync(file, config);
  const check = spawnSync(HAPROXY, ['-c', '-q', '-f', file], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`haproxy config rejected: ${check.stderr}`);
  const child: ChildProcess = spawn(HAPROXY, ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output = (output + chunk).slice(-32_000);
  });
  child.stderr?.on('data', (chunk) => {
    output = (output + chunk).slice(-32_000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.once('exit', () => child.kill('SIGKILL'));
  return {
    port,
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
