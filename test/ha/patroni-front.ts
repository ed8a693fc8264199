/**
 * A Patroni cluster reached through HAProxy (Patroni's `/primary` check), with an empty
 * `pathways` database created once HAProxy has found the leader: the PostgreSQL the failover
 * suites give the service.
 */
import pg from 'pg';
import { freePort } from '../process/server-process.js';
import { patroniConfig, type RunningHaproxy, startHaproxy } from './haproxy.js';
import { type PatroniCluster, startPatroniCluster } from './patroni.js';

export interface PatroniFront {
  cluster: PatroniCluster;
  haproxy: RunningHaproxy;
  /** `postgres://…/pathways` through HAProxy. */
  url: string;
}

export async function startPatroniFront(size = 3): Promise<PatroniFront> {
  const cluster = await startPatroniCluster(size);
  const port = await freePort();
  const haproxy = await startHaproxy(
    port,
    patroniConfig(
      port,
      cluster.nodes.map((node) => [node.pgPort, node.restPort]),
    ),
  );
  // HAProxy sends connections on once its checks found the leader.
  for (let tries = 0; ; tries++) {
    const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
    try {
      await admin.connect();
      await admin.query('CREATE DATABASE pathways');
      await admin.end();
      break;
    } catch (error) {
      await admin.end().catch(() => {});
      if (tries > 60) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  return { cluster, haproxy, url: `postgres://postgres@127.0.0.1:${port}/pathways` };
}
