import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../test/databases.js';
import { listMigrations, migrate, migrationsCurrent, splitStatements } from './migrate.js';

describe('splitStatements', () => {
  it('keeps dollar-quoted bodies whole and drops comment lines', () => {
    const sql = [
      '-- a comment;',
      'CREATE TABLE a (x int);',
      'CREATE FUNCTION f() RETURNS trigger AS $$',
      'BEGIN',
      "  RAISE EXCEPTION 'no;';",
      'END;',
      '$$ LANGUAGE plpgsql;',
      'SELECT 1;',
    ].join('\n');
    const statements = splitStatements(sql);
    expect(statements).toHaveLength(3);
    expect(statements[1]).toContain("RAISE EXCEPTION 'no;';");
    expect(statements[1]).toMatch(/LANGUAGE plpgsql;$/);
  });
});

describe.each(databaseKinds)('migrations on %s', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind, { migrate: false });
  });
  afterAll(() => t.dispose());

  it('applies every file once, and a second run applies nothing', async () => {
    expect(await migrationsCurrent(t.db).catch(() => false)).toBe(false);
    const first = await migrate(t.db);
    expect(first).toEqual(listMigrations().map((m) => m.id));
    expect(await migrate(t.db)).toEqual([]);
    expect(await migrationsCurrent(t.db)).toBe(true);
  });

  it('rolls back a failing migration whole', async () => {
    const bad = [{ id: '9999_bad', sql: 'CREATE TABLE half_done (x int);\nSELECT no_such_function();' }];
    await expect(migrate(t.db, bad)).rejects.toThrow();
    const table = await t.db.query("SELECT 1 FROM pg_tables WHERE tablename = 'half_done'");
    expect(table.rowCount).toBe(0);
  });
});
