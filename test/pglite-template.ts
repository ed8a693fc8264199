/**
 * A migrated PGlite data folder built once per test run (initdb in WASM takes seconds); each
 * suite copies it instead of creating its own. The folder name carries a hash of the migrations,
 * so a changed migration builds a new template.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../src/platform/database/database.js';
import { listMigrations, migrate } from '../src/platform/database/migrate.js';

/** Names a template by what it holds: a changed, added or removed migration gives a new name. */
export function migrationsHash(): string {
  const hash = createHash('sha256');
  for (const migration of listMigrations()) hash.update(migration.id).update(migration.sql);
  return hash.digest('hex').slice(0, 16);
}

export function templateDir(): string {
  return path.join(os.tmpdir(), `pathways-pglite-template-${migrationsHash()}`);
}

/** Builds the template if missing (atomically: built aside, then renamed into place). */
export async function ensureTemplate(): Promise<string> {
  const dir = templateDir();
  if (existsSync(dir)) return dir;
  const building = `${dir}.${process.pid}.building`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  const db = await openDatabase({ databaseUrl: undefined, dataDir: building });
  await migrate(db);
  await db.close();
  try {
    renameSync(building, dir);
  } catch {
    rmSync(building, { recursive: true, force: true });
  }
  return dir;
}

/** Copies the template's database into `dataDir` (which then holds `pglite/`). */
export async function copyTemplateInto(dataDir: string): Promise<void> {
  const dir = await ensureTemplate();
  cpSync(path.join(dir, 'pglite'), path.join(dataDir, 'pglite'), { recursive: true });
}
