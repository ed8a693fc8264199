/**
 * What PostgreSQL did during a window, from its cumulative statistics (pg_stat_database and
 * pg_stat_user_tables of the bench database): commits, rollbacks and rows written, in total and
 * per table. Divided by the units of work of the window (orders, cycles, deliveries) they say how
 * many transactions and row writes one unit costs, including the work no request waits for (the
 * outbox dispatcher, pg-boss, the consumers).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

interface Snapshot {
  commits: number;
  rollbacks: number;
  tables: Map<string, { ins: number; upd: number; del: number }>;
}

export interface PgActivity {
  commits: number;
  rollbacks: number;
  rowsWritten: number;
  /** Tables by rows written (inserted + updated + deleted), most first. */
  tables: { table: string; inserted: number; updated: number; deleted: number }[];
}

export class PgActivityProbe {
  private start: Snapshot | undefined;
  constructor(
    private readonly url: string,
    private readonly database: string,
  ) {}

  /**
   * Busy backends publish their counters at most once a second, so a snapshot lags by up to a
   * second; in a steady load both ends lag alike. `settleMs` waits first, for a window whose work
   * has stopped (a drained backlog).
   */
  private async snapshot(settleMs: number): Promise<Snapshot> {
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      if (settleMs > 0) await sleep(settleMs);
      await client.query('SELECT pg_stat_clear_snapshot()');
      const db = await client.query<{ xact_commit: string; xact_rollback: string }>(
        'SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = $1',
        [this.database],
      );
      const tables = await client.query<{ name: string; ins: string; upd: string; del: string }>(
        `SELECT schemaname || '.' || relname AS name, n_tup_ins AS ins, n_tup_upd AS upd, n_tup_del AS del
         FROM pg_stat_user_tables`,
      );
      return {
        commits: Number(db.rows[0]?.xact_commit ?? 0),
        rollbacks: Number(db.rows[0]?.xact_rollback ?? 0),
        tables: new Map(
          tables.rows.map((row) => [
            tableName(row.name),
            { ins: Number(row.ins), upd: Number(row.upd), del: Number(row.del) },
          ]),
        ),
      };
    } finally {
      await client.end();
    }
  }

  async begin(settleMs = 0): Promise<void> {
    this.start = await this.snapshot(settleMs);
  }

  /** The window's activity; the probe's own first snapshot (three commits) is left out. */
  async end(settleMs = 0): Promise<PgActivity> {
    const start = this.start;
    if (!start) throw new Error('PgActivityProbe.end before begin');
    const now = await this.snapshot(settleMs);
    const tables = [...now.tables].map(([table, after]) => {
      const before = start.tables.get(table) ?? { ins: 0, upd: 0, del: 0 };
      return {
        table,
        inserted: after.ins - before.ins,
        updated: after.upd - before.upd,
        deleted: after.del - before.del,
      };
    });
    const written = (t: (typeof tables)[number]) => t.inserted + t.updated + t.deleted;
    return {
      commits: now.commits - start.commits - 3,
      rollbacks: now.rollbacks - start.rollbacks,
      rowsWritten: tables.reduce((sum, t) => sum + written(t), 0),
      tables: tables.filter((t) => written(t) > 0).sort((a, b) => written(b) - written(a)),
    };
  }
}

/** pg-boss keeps one job table per queue, named by a hash: shortened, so reports stay readable. */
function tableName(name: string): string {
  const job = /^pgboss\.j([0-9a-f]{8})[0-9a-f]{32,}$/.exec(name);
  return job ? `pgboss.j${job[1]}… (a queue's jobs)` : name;
}
