/**
 * docs/api.md §13: "any number of replicas may start at the same moment on one database",
 * as a Kubernetes Deployment starts them. Four `pathways serve` processes are started together
 * on an empty PostgreSQL database (each with its own DATA_DIR, the same PATHWAYS_SECRET_KEY, demo
 * seeding on): every one becomes ready, they serve the same CA and the same JWKS, and nothing that
 * a first start creates (migrations, pg-boss's schema and queues, the CA, the signing and feed
 * keys, demo data) exists twice. PGlite has no such case: its folder has one owning process.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_RESOURCES } from '../../src/demo/seed.js';
import { type Database, openDatabase } from '../../src/platform/database/database.js';
import { listMigrations } from '../../src/platform/database/migrate.js';
import { databaseKinds } from '../databases.js';
import { httpRequest } from './http.js';
import { createProcessDatabase, type ProcessDatabase } from './process-database.js';
import { killAll, type ServerProcess, startServer } from './server-process.js';

const REPLICAS = 4;

async function rows<T>(db: Database, sql: string): Promise<T[]> {
  return (await db.query<T>(sql)).rows;
}

describe.runIf(databaseKinds.includes('postgres'))('replicas starting together on PostgreSQL', () => {
  let database: ProcessDatabase | undefined;
  const dataDirs: string[] = [];

  afterAll(async () => {
    await killAll();
    await database?.dispose();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  it(
    'all become ready on an empty database, share one CA and one JWKS, and create nothing twice',
    {
      timeout: 240_000,
    },
    async () => {
      database = await createProcessDatabase('postgres', { migrated: false });
      const secretKey = randomBytes(32).toString('base64');
      const starts = Array.from({ length: REPLICAS }, () => {
        const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pathways-replica-'));
        dataDirs.push(dataDir);
        return startServer(database!, {
          admin: false,
          readyTimeoutMs: 200_000,
          env: { DATA_DIR: dataDir, PATHWAYS_SECRET_KEY: secretKey, PATHWAYS_DEMO: '1' },
        });
      });
      const settled = await Promise.allSettled(starts);
      const failures = settled.flatMap((result) =>
        result.status === 'rejected' ? [String((result.reason as Error).message)] : [],
      );
      expect(failures).toEqual([]);
      const servers = settled.map((result) => (result as PromiseFulfilledResult<ServerProcess>).value);

      const served = async (urlPath: string) =>
        Promise.all(
          servers.map(async (server) => {
            const response = await httpRequest(server.baseUrl, { path: urlPath });
            expect(response.status, `${urlPath} on ${server.baseUrl}`).toBe(200);
            return response.body;
          }),
        );
      const ca = await served('/pki/ca.pem');
      expect(new Set(ca).size).toBe(1);
      expect(ca[0]).toContain('BEGIN CERTIFICATE');
      const jwks = await served('/oauth2/jwks');
      expect(new Set(jwks).size).toBe(1);
      expect((JSON.parse(jwks[0]!) as { keys: unknown[] }).keys).toHaveLength(1);
      const feedKey = await served('/pki/feed.pem');
      expect(new Set(feedKey).size).toBe(1);

      const db = await openDatabase({ databaseUrl: database.url, dataDir: database.dataDir, poolSize: 1 });
      try {
        const migrations = await rows<{ id: string }>(db, 'SELECT id FROM schema_migration ORDER BY id');
        expect(migrations.map((row) => row.id)).toEqual(listMigrations().map((m) => m.id));
        expect(await rows(db, 'SELECT role FROM pki_ca ORDER BY role')).toEqual([
          { role: 'issuing' },
          { role: 'root' },
        ]);
        expect(await rows(db, 'SELECT kid FROM oauth_signing_key')).toHaveLength(1);
        expect(await rows(db, 'SELECT slot FROM feed_signing_key')).toHaveLength(1);
        // pg-boss: installed once at its current version, each queue once with one partition.
        expect(await rows(db, 'SELECT version FROM pgboss.version')).toHaveLength(1);
        const queues = await rows<{ name: string; partition_name: string }>(
          db,
          'SELECT name, partition_name FROM pgboss.queue',
        );
        expect(queues.length).toBeGreaterThan(0);
        const partitions = await rows<{ relname: string }>(
          db,
          `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'pgboss.job'::regclass`,
        );
        expect(partitions.map((row) => row.relname).sort()).toEqual(
          queues.map((queue) => queue.partition_name).sort(),
        );
        // Demo data: each seeded resource written once (one version).
        const seeded = await db.query<{ id: string; versions: number }>(
          `SELECT id, count(*)::int AS versions FROM fhir_resource_history
         WHERE id = ANY($1::text[]) GROUP BY resource_type, id`,
          [DEMO_RESOURCES.map((resource) => resource.id)],
        );
        expect(seeded.rows).toHaveLength(DEMO_RESOURCES.length);
        expect(seeded.rows.filter((row) => row.versions !== 1)).toEqual([]);
      } finally {
        await db.close();
      }
      for (const server of servers) expect((await server.terminate()).code).toBe(0);
    },
  );
});
