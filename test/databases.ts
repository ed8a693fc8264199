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
import { copyTemplateInto } from './pglite-template.js';
import { ensurePostgresTemplate } from './postgres-template.js';
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

/** A new database nobody is connected to yet: where it is, and how to drop it. */
export interface NewDatabase {
  kind: DatabaseKind;
  /** DATABASE_URL for a server process (postgres only). */
  url: string | undefined;
  /** DATA_DIR for a server process or the embedded database. */
  dataDir: string;
  /** Drops the database or folder (closing this process's connection first, where it has one). */
  dispose(): Promise<void>;
}

export interface TestDatabase extends NewDatabase {
  db: Database;
}

let postgresTemplate: Promise<string> | undefined;

/**
 * A new, empty database of the given kind, private to the caller, migrated (a copy of the run's
 * template: test/pglite-template.ts, test/postgres-template.ts) unless `migrate: false`, and not
 * opened: for a service that opens it itself (test/app.ts, server processes).
 */
export async function newTestDatabase(
  kind: DatabaseKind,
  options: { migrate?: boolean } = {},
): Promise<NewDatabase> {
  const migrated = options.migrate !== false;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pathways-test-'));
  const removeDir = async () => rmSync(dataDir, { recursive: true, force: true });
  if (kind === 'pglite') {
    if (migrated) await copyTemplateInto(dataDir);
    return { kind, url: undefined, dataDir, dispose: removeDir };
  }
  if (!postgresAdminUrl) throw new Error('PostgreSQL is not reachable');
  const adminUrl = postgresAdminUrl;
  if (migrated && !postgresTemplate) postgresTemplate = ensurePostgresTemplate(adminUrl);
  const template = migrated ? await postgresTemplate : undefined;
  const name = `pathways_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  } finally {
    await admin.end();
  }
  const target = new URL(adminUrl);
  target.pathname = `/${name}`;
  return {
    kind,
    url: target.toString(),
    dataDir,
    async dispose() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
      await removeDir();
    },
  };
}

/** A new, empty database of the given kind (migrated unless `migrate: false`), opened. */
export async function createTestDatabase(
  kind: DatabaseKind,
  options: { migrate?: boolean } = {},
): Promise<TestDatabase> {
  const created = await newTestDatabase(kind, options);
  const db = await openDatabase({ databaseUrl: created.url, dataDir: created.dataDir, poolSize: 10 });
  return {
    ...created,
    db,
    async dispose() {
      await db.close().catch(() => {});
      await created.dispose();
    },
  };
}
