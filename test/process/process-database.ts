/**
 * A fresh database for a server process to own (the test keeps no connection open: PGlite's
 * folder has one owner at a time). Migrated ones come from createTestDatabase (PGlite copied from
 * the run's migrated template); unmigrated PGlite folders are copied from an initialised template
 * of their own, because PGlite's initdb costs ~8 s of CPU.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/platform/database/database.js';
import { createTestDatabase, type DatabaseKind } from '../databases.js';
import { REPO_ROOT } from './server-process.js';

export interface ProcessDatabase {
  kind: DatabaseKind;
  /** DATABASE_URL (postgres only). */
  url: string | undefined;
  dataDir: string;
  dispose(): Promise<void>;
}

function pgliteVersion(): string {
  const manifest = path.join(REPO_ROOT, 'node_modules/@electric-sql/pglite/package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/** An initialised, unmigrated, cleanly closed PGlite folder, shared by every worker and run. */
async function pgliteTemplate(): Promise<string> {
  const template = path.join(os.tmpdir(), `pathways-test-pglite-initdb-${pgliteVersion()}`);
  if (existsSync(template)) return template;
  const building = mkdtempSync(path.join(os.tmpdir(), 'pathways-test-pglite-building-'));
  const db = await openDatabase({ databaseUrl: undefined, dataDir: building });
  await db.close();
  try {
    // Atomic: a concurrent worker either sees no template or a complete one.
    renameSync(building, template);
  } catch {
    rmSync(building, { recursive: true, force: true });
  }
  return template;
}

export async function createProcessDatabase(
  kind: DatabaseKind,
  options: { migrated: boolean },
): Promise<ProcessDatabase> {
  if (kind === 'postgres' || options.migrated) {
    const database = await createTestDatabase(kind, { migrate: options.migrated });
    await database.db.close();
    return { kind, url: database.url, dataDir: database.dataDir, dispose: () => database.dispose() };
  }
  const template = await pgliteTemplate();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pathways-test-'));
  cpSync(path.join(template, 'pglite'), path.join(dataDir, 'pglite'), { recursive: true });
  return {
    kind,
    url: undefined,
    dataDir,
    dispose: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}
