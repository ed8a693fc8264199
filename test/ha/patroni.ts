/**
 * A Patroni cluster on the loopback for the availability suite: one etcd (Debian's etcd-server),
 * three Patroni nodes (Debian's patroni) running PostgreSQL 15 in temporary directories on ports
 * of their own, synchronous replication (`synchronous_mode`), a 10 s leader lease. PostgreSQL
 * refuses to run as root, so when the suite runs as root the cluster runs as `postgres`.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../process/server-process.js';

export const PATRONI = '/usr/bin/patroni';
export const ETCD = '/usr/bin/etcd';
export const PG_BIN = '/usr/lib/postgresql/15/bin';

export interface Member {
  name: string;
  role: 'leader' | 'sync_standby' | 'replica' | string;
  state: string;
}

export interface PatroniNode {
  name: string;
  pgPort: number;
  restPort: number;
  dataDir: string;
  process: ChildProcess;
}

export interface PatroniCluster {
  nodes: PatroniNode[];
  members(): Promise<Member[]>;
  leader(): Promise<PatroniNode | undefined>;
  /** SIGKILLs a node's Patroni and its postmaster: the machine is gone. */
  killNode(node: PatroniNode): void;
  stop(): Promise<void>;
}

/** What is missing to run a Patroni cluster here (empty: nothing). */
export function patroniMissing(): string[] {
  return [
    [PATRONI, 'patroni'],
    [ETCD, 'etcd-server'],
    [path.join(PG_BIN, 'postgres'), 'postgresql-15'],
  ]
    .filter(([file]) => !existsSync(file!))
    .map(([, pkg]) => `${pkg} (apt-get install ${pkg})`);
}

function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

function nodeConfig(dir: string, name: string, pgPort: number, restPort: number, etcdPort: number): string {
  return `scope: pathways-ha
name: ${name}
restapi:
  listen: 127.0.0.1:${restPort}
  connect_address: 127.0.0.1:${restPort}
etcd3:
  hosts: 127.0.0.1:${etcdPort}
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 1
    retry_timeout: 3
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      parameters:
        wal_level: replica
        hot_standby: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        wal_log_hints: "on"
        max_connections: 100
  initdb:
    - encoding: UTF8
    - data-checksums
  pg_hba:
    - host replication replicator 127.0.0.1/32 trust
    - host all all 127.0.0.1/32 trust
postgresql:
  listen: 127.0.0.1:${pgPort}
  connect_address: 127.0.0.1:${pgPort}
  data_dir: ${dir}/data
  bin_dir: ${PG_BIN}
  pgpass: ${dir}/pgpass
  authentication:
    superuser:
      username: postgres
      password: postgres
    replication:
      username: replicator
      password: replicator
  parameters:
    unix_socket_directories: ${dir}
    fsync: "on"
    synchronous_commit: "on"
`;
}

export async function startPatroniCluster(size = 3): Promise<PatroniCluster> {
  const owner = runAs();
  const root = mkdtempSync(path.join(os.tmpdir(), 'pathways-patroni-'));
  const own = (file: string) => {
    if (owner) chownSync(file, owner.uid, owner.gid);
  };
  own(root);
  const children: ChildProcess[] = [];
  const launch = (command: string, args: string[], log: string) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], ...(owner ?? {}) });
    let text = '';
    const keep = (chunk: Buffer) => {
      text = (text + chunk.toString()).slice(-16_000);
      writeFileSync(log, text);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    children.push(child);
    return child;
  };
  process.once('exit', () => {
    for (const child of children) child.kill('SIGKILL');
  });

  const etcdPort = await freePort();
  const peerPort = await freePort();
  const etcdDir = path.join(root, 'etcd');
  mkdirSync(etcdDir, { mode: 0o700 });
  own(etcdDir);
  launch(
    ETCD,
    [
      '--name=e1',
      `--data-dir=${etcdDir}`,
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=e1=http://127.0.0.1:${peerPort}`,
    ],
    path.join(root, 'etcd.log'),
  );
  await waitFor(
    async () => (await fetch(`http://127.0.0.1:${etcdPort}/health`).catch(() => undefined))?.ok === true,
    30_000,
    'etcd',
  );

  const nodes: PatroniNode[] = [];
  for (let index = 1; index <= size; index++) {
    const name = `n${index}`;
    const dir = path.join(root, name);
    mkdirSync(dir, { mode: 0o700 });
    own(dir);
    const pgPort = await freePort();
    const restPort = await freePort();
    const config = path.join(root, `${name}.yml`);
    writeFileSync(config, nodeConfig(dir, name, pgPort, restPort, etcdPort));
    own(config);
    const child = launch(PATRONI, [config], path.join(root, `${name}.log`));
    nodes.push({ name, pgPort, restPort, dataDir: path.join(dir, 'data'), process: child });
    // The first node bootstraps the cluster; the others clone it.
    if (index === 1) await waitFor(async () => (await rest(nodes[0]!, '/primary')) === 200, 90_000, 'leader');
  }

  const members = async (): Promise<Member[]> => {
    for (const node of nodes) {
      const response = await fetch(`http://127.0.0.1:${node.restPort}/cluster`, {
        signal: AbortSignal.timeout(2_000),
      }).catch(() => undefined);
      if (response?.ok) return ((await response.json()) as { members: Member[] }).members;
    }
    return [];
  };
  await waitFor(
    async () => {
      const roles = (await members()).map((member) => `${member.role}/${member.state}`);
      return (
        roles.filter((role) => /^(leader|sync_standby|replica)\/(running|streaming)$/.test(role)).length ===
          size && roles.some((role) => role.startsWith('sync_standby'))
      );
    },
    180_000,
    'three members with a synchronous standby',
  );

  return {
    nodes,
    members,
    async leader() {
      const name = (await members()).find((member) => member.role === 'leader')?.name;
      return nodes.find((node) => node.name === name);
    },
    killNode,
    async stop() {
      for (const node of nodes) killNode(node);
      for (const child of children) child.kill('SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 500));
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function killNode(node: PatroniNode): void {
  const pidFile = path.join(node.dataDir, 'postmaster.pid');
  const postmaster = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : undefined;
  node.process.kill('SIGKILL');
  if (!postmaster) return;
  try {
    process.kill(postmaster, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function rest(node: PatroniNode, route: string): Promise<number | undefined> {
  const response = await fetch(`http://127.0.0.1:${node.restPort}${route}`, {
    signal: AbortSignal.timeout(2_000),
  }).catch(() => undefined);
  return response?.status;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`patroni cluster: no ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
