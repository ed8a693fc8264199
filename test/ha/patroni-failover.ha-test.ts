/**
 * Availability (issue 16; docs/deployment.md): the service on a Patroni cluster of three
 * PostgreSQL 15 nodes with synchronous replication, through HAProxy (Patroni's `/primary` check),
 * under a steady load of writes; the primary's machine is lost (its Patroni and its postmaster
 * SIGKILLed). Every write acknowledged before the kill is there after the failover; while there is
 * no primary the service answers 503 SERVICE_UNAVAILABLE (never a 500, never a hang); it takes
 * writes again by itself, without a restart. The figures are printed as one `[ha] patroni
 * failover: …` line for docs/deployment.md.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/platform/database/database.js';
import { acknowledged, loadFor, startCreateLoad } from '../process/load.js';
import { killAll, type ServerProcess, startServer } from '../process/server-process.js';
import { inspectStore } from '../process/store-check.js';
import { HAPROXY, type RunningHaproxy } from './haproxy.js';
import { type PatroniCluster, patroniMissing } from './patroni.js';
import { startPatroniFront } from './patroni-front.js';

const SYSTEM = 'https://example.org/patroni-failover';
const CLIENTS = 8;

const missing = [...patroniMissing(), ...(existsSync(HAPROXY) ? [] : ['haproxy (apt-get install haproxy)'])];
if (missing.length > 0) {
  if (process.env.REQUIRE_HA === '1') throw new Error(`REQUIRE_HA=1 but missing: ${missing.join(', ')}`);
  console.warn(`patroni failover suite not run: missing ${missing.join(', ')}`);
}

describe.runIf(missing.length === 0)('the PostgreSQL primary lost under write load (Patroni)', () => {
  let cluster: PatroniCluster | undefined;
  let haproxy: RunningHaproxy | undefined;
  let server: ServerProcess | undefined;
  let dataDir: string | undefined;

  afterAll(async () => {
    await killAll();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    await haproxy?.stop();
    await cluster?.stop();
  });

  it('keeps every acknowledged write, answers 503 (never 500) while failing over and recovers by itself', async () => {
    const front = await startPatroniFront(3);
    cluster = front.cluster;
    haproxy = front.haproxy;
    const url = front.url;
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'pathways-ha-'));
    server = await startServer({ url, dataDir });

    const load = startCreateLoad({ baseUrl: server.baseUrl, clients: CLIENTS, system: SYSTEM });
    await loadFor(load, { minMs: 2_000, target: 100, maxMs: 60_000 });
    const leader = (await cluster.leader())!;
    const killedAt = performance.now();
    cluster.killNode(leader);
    const ackedBeforeKill = load.attempts.filter(
      (attempt) => acknowledged(attempt) && attempt.sentAt < killedAt,
    );
    // Until writes sent after the kill are acknowledged again, then a while longer.
    const recovered = async () => {
      const deadline = performance.now() + 120_000;
      while (performance.now() < deadline) {
        if (load.attempts.some((attempt) => attempt.sentAt > killedAt && acknowledged(attempt))) return true;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return false;
    };
    const back = await recovered();
    const ackedNow = load.attempts.filter(acknowledged).length;
    await loadFor(load, { minMs: 2_000, target: ackedNow + 50, maxMs: 60_000 });
    load.stop();
    await load.finished;
    const newLeader = await cluster.leader();

    const firstAfter = load.attempts
      .filter((attempt) => attempt.sentAt > killedAt && acknowledged(attempt))
      .reduce((min, attempt) => Math.min(min, attempt.sentAt), Number.POSITIVE_INFINITY);
    const unavailableS = (firstAfter - killedAt) / 1000;
    const answered503 = load.attempts.filter((attempt) => attempt.status === 503);
    const improper = load.attempts.filter(
      (attempt) =>
        !acknowledged(attempt) && !(attempt.status === 503 && attempt.body?.includes('SERVICE_UNAVAILABLE')),
    );
    const db = await openDatabase({ databaseUrl: url, dataDir: dataDir!, poolSize: 2 });
    const store = await inspectStore(db, SYSTEM).finally(() => db.close());
    const lost = ackedBeforeKill.filter((attempt) => (store.byValue.get(attempt.value) ?? []).length !== 1);
    const allAcked = load.attempts.filter(acknowledged);
    const lostAny = allAcked.filter((attempt) => (store.byValue.get(attempt.value) ?? []).length !== 1);
    const duplicated = [...store.byValue.values()].filter((stored) => stored.length > 1);
    console.info(
      `[ha] patroni failover: leader ${leader.name} killed, ${newLeader?.name ?? 'none'} promoted; ` +
        `${ackedBeforeKill.length} writes acknowledged before the kill, ${lost.length} lost; ` +
        `${load.attempts.length} requests, ${answered503.length} answered 503, ${improper.length} other failures; ` +
        `writes accepted again ${unavailableS.toFixed(1)} s after the kill`,
    );

    expect(back, server.output()).toBe(true);
    expect(newLeader?.name).not.toBe(leader.name);
    expect(lost.map((attempt) => attempt.value)).toEqual([]);
    expect(lostAny.map((attempt) => attempt.value)).toEqual([]);
    expect(duplicated).toEqual([]);
    expect(
      improper.map(
        (attempt) =>
          `${attempt.value}: ${attempt.status ?? attempt.failure?.code} ${attempt.body?.slice(0, 160) ?? ''}`,
      ),
    ).toEqual([]);
    // The same process served throughout: it recovered by itself.
    expect((await server.terminate()).code).toBe(0);
  });
});
