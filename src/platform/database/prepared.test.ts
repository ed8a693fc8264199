import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAdminUrl } from '../../../test/databases.js';
import { PreparedStatements } from './prepared.js';

describe.runIf(postgresAdminUrl)('named statements on PostgreSQL', () => {
  let client: pg.Client;
  beforeAll(async () => {
    client = new pg.Client({ connectionString: postgresAdminUrl });
    await client.connect();
  });
  afterAll(async () => client?.end());

  const onServer = async () =>
    (
      await client.query<{ statement: string }>(
        'SELECT statement FROM pg_prepared_statements ORDER BY prepare_time',
      )
    ).rows.map((row) => row.statement);

  it('prepares each parameterised statement once, keeps the most recent few, deallocates the rest', async () => {
    const prepared = new PreparedStatements(2);
    const a = 'SELECT $1::int + 1 AS v';
    const b = 'SELECT $1::int + 2 AS v';
    const c = 'SELECT $1::int + 3 AS v';
    expect((await prepared.query(client, a, [1])).rows).toEqual([{ v: 2 }]);
    expect((await prepared.query(client, a, [5])).rows).toEqual([{ v: 6 }]);
    await prepared.query(client, b, [1]);
    expect(await onServer()).toEqual([a, b]);
    // a was used last before b: touching it makes b the oldest, which c pushes out.
    await prepared.query(client, a, [1]);
    await prepared.query(client, c, [1]);
    expect(prepared.evictions).toBe(1);
    expect(prepared.size(client)).toBe(2);
    expect((await onServer()).sort()).toEqual([a, c].sort());
    // Evicted and used again: prepared afresh under a new name.
    expect((await prepared.query(client, b, [10])).rows).toEqual([{ v: 12 }]);
    expect(await onServer()).toHaveLength(2);
  });

  it('sends statements without parameters (scripts) unnamed', async () => {
    const prepared = new PreparedStatements(2);
    const before = (await onServer()).length;
    await prepared.query(client, 'SELECT 1; SELECT 2', undefined);
    expect(await onServer()).toHaveLength(before);
    expect(prepared.size(client)).toBe(0);
  });
});
