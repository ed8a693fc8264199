/**
 * Named (prepared) statements on PostgreSQL: a parameterised statement is parsed and analysed once
 * per connection and then only bound and executed (docs/benchmarks.md: 1.85-1.98 ms a search as
 * unnamed statements, 1.20-1.22 ms named; 95 → 39 µs of backend CPU per primary-key read). The hot
 * statements are the ones run again and again, so each connection keeps the most recently used
 * `max` of them: a statement text that varies without bound (a search with any number of OR'd
 * values) only pushes older ones out, and an evicted one is DEALLOCATEd on its connection.
 * Statement names are never reused, so a name pg still remembers can never meet other text.
 */
import type pg from 'pg';

export const DEFAULT_PREPARED_PER_CONNECTION = 200;

interface ParsedStatements {
  connection?: { parsedStatements?: Record<string, string> };
}

export class PreparedStatements {
  private readonly byClient = new WeakMap<object, Map<string, string>>();
  private next = 0;
  /** Evictions so far, for tests. */
  evictions = 0;

  constructor(readonly max = DEFAULT_PREPARED_PER_CONNECTION) {}

  /** Statements prepared on `client` (for tests). */
  size(client: object): number {
    return this.byClient.get(client)?.size ?? 0;
  }

  /**
   * The query to send for `sql` on `client`: named when it has parameters (a statement without
   * any may be a script of several, which only the simple protocol runs), plain text otherwise.
   */
  async query(client: pg.ClientBase, sql: string, params: unknown[] | undefined) {
    if (this.max <= 0 || !params || params.length === 0) return client.query(sql, params);
    let statements = this.byClient.get(client);
    if (!statements) {
      statements = new Map();
      this.byClient.set(client, statements);
    }
    let name = statements.get(sql);
    if (name) {
      // Most recently used last: the first is the one to evict.
      statements.delete(sql);
    } else {
      name = `pw_${(this.next++).toString(36)}`;
      if (statements.size >= this.max) await this.evictOldest(client, statements);
    }
    statements.set(sql, name);
    return client.query({ name, text: sql, values: params });
  }

  private async evictOldest(client: pg.ClientBase, statements: Map<string, string>): Promise<void> {
    const [oldestSql, oldestName] = statements.entries().next().value as [string, string];
    statements.delete(oldestSql);
    this.evictions++;
    const parsed = (client as unknown as ParsedStatements).connection?.parsedStatements;
    if (!parsed || parsed[oldestName] === undefined) return;
    delete parsed[oldestName];
    // In an aborted transaction this fails; the statement then stays on the server until the
    // connection closes (its name is never used again).
    await client.query(`DEALLOCATE ${oldestName}`).catch(() => {});
  }
}
