/**
 * Applies the numbered SQL files of `migrations/` in order, each in its own transaction, under an
 * advisory lock so that replicas starting together apply each file exactly once.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database, Queryable } from './database.js';
import { LOCKS } from './locks.js';

// src/platform/database and dist/platform/database are both three levels below the root.
export const MIGRATIONS_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../migrations',
);

export interface Migration {
  id: string;
  sql: string;
}

export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((name) => /^\d{4}_[a-z0-9_]+\.sql$/.test(name))
    .sort()
    .map((name) => ({ id: name.replace(/\.sql$/, ''), sql: readFileSync(path.join(dir, name), 'utf8') }));
}

export async function migrate(db: Database, migrations = listMigrations()): Promise<string[]> {
  const applied: string[] = [];
  for (const migration of migrations) {
    const done = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCKS.migrations]);
      // Under the lock: two `CREATE TABLE IF NOT EXISTS` at once can both find no table, and the
      // second then fails on the catalog's unique index instead of finding the first one's.
      await tx.query(
        'CREATE TABLE IF NOT EXISTS schema_migration (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const seen = await tx.query('SELECT 1 FROM schema_migration WHERE id = $1', [migration.id]);
      if (seen.rowCount > 0) return false;
      for (const statement of splitStatements(migration.sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migration (id) VALUES ($1)', [migration.id]);
      return true;
    });
    if (done) applied.push(migration.id);
  }
  return applied;
}

/** True when every migration file has been applied (used by /readyz, on the probe connection). */
export async function migrationsCurrent(db: Queryable, migrations = listMigrations()): Promise<boolean> {
  const result = await db.query<{ id: string }>('SELECT id FROM schema_migration');
  const have = new Set(result.rows.map((row) => row.id));
  return migrations.every((migration) => have.has(migration.id));
}

/**
 * Splits a migration script into statements for the extended protocol (one statement a call).
 * Statements end with `;` at the end of a line; `$$` bodies (functions, DO blocks) are kept whole.
 */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  let inDollar = false;
  for (const line of sql.split('\n')) {
    if (!inDollar && /^\s*--/.test(line)) continue;
    current += `${line}\n`;
    const dollars = line.match(/\$\$/g)?.length ?? 0;
    if (dollars % 2 === 1) inDollar = !inDollar;
    if (!inDollar && /;\s*$/.test(line)) {
      statements.push(current.trim());
      current = '';
    }
  }
  if (current.trim()) statements.push(current.trim());
  return statements;
}
