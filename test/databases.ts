/**
 * The same suites run on both databases: PGlite always, PostgreSQL whenever TEST_DATABASE_URL is
 * set or 127.0.0.1:5432 answers. With REQUIRE_POSTGRES=1 (set by .ci/run) an unreachable server
 * fails the run instead of skipping.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type Database, openDatabase } from '../src/platform/database/database.js';
import { migrate } from '../src/platform/database/migrate.js';
import { copyTemplateInto } from './pglite-template.js';
import { required } from './requirements.js';

export type DatabaseKind = 'pglite' | 'postgres';

function portAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function findPostgres(): Promise<string | undefined> {
  if (process.env.TEST_DATABASE_URL) return process.env.TEST_DATABASE_URL;
  if (await portAnswers('127.0.0.1', 5432)) return 'postgres://postgres@127.0.0.1:5432/postgres';
  return undefined;
}

export const postgresAdminUrl = await findPostgres();
required(
  postgresAdminUrl !== undefined,
  'POSTGRES',
  'PostgreSQL is not reachable (set TEST_DATABASE_URL or start PostgreSQL on 127.0.0.1:5432)',
);

/** The database kinds available to this run, for `describe.each`. */
export const databaseKinds: DatabaseKind[] = postgresAdminUrl ? ['pglite', 'postgres'] : ['pglite'];

export interface TestDatabase {
  kind: DatabaseKind;
  /** DATABASE_URL for a server process (postgres only). */
  url: string | undefined;
  /** DATA_DIR for a server process or the embedded database. */
  dataDir: string;
  db: Database;
  /** Closes the connection and drops the database or folder. */
  dispose(): Promise<void>;
}

/** A new, empty, migrated database of the given kind, private to the caller. */
export async function createTestDatabase(kind: DatabaseKind, options: { migrate?: boolean } = {}) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pathways-test-'));
  let url: string | undefined;
  let dropDatabase = async () => {};
  if (kind === 'postgres') {
    if (!postgresAdminUrl) throw new Error('PostgreSQL is not reachable');
    const name = `pathways_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
    const admin = new pg.Client({ connectionString: postgresAdminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const target = new URL(postgresAdminUrl);
    target.pathname = `/${name}`;
    url = target.toString();
    dropDatabase = async () => {
      const client = new pg.Client({ connectionString: postgresAdminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    };
  }
  const fromTemplate = kind === 'pglite' && options.migrate !== false;
  if (fromTemplate) await copyTemplateInto(dataDir);
  const db = await openDatabase({ databaseUrl: url, dataDir, poolSize: 10 });
  if (options.migrate !== false) await migrate(db);
  const result: TestDatabase = {
    kind,
    url,
    dataDir,
    db,
    async dispose() {
      await db.close().catch(() => {});
      await dropDatabase();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return result;
}
