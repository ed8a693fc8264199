/**
 * pg-boss talks to the database through `{ executeSql(text, values) }`. These adapters let it run
 * on our own Database (one pool, or the single PGlite connection) and inside a caller's
 * transaction, so a job can be sent or completed atomically with the caller's own writes.
 */
import type { Database, Queryable, Row } from '../database/database.js';

export interface SqlExecutor {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: Row[]; rowCount: number }>;
}

/** Inside a transaction: pg-boss sends only single parameterised statements there (send, insert, complete, fail, fetch). */
export function transactionExecutor(tx: Queryable): SqlExecutor {
  return { executeSql: (text, values) => tx.query(text, values ?? []) };
}

const MULTIPLE_COMMANDS = /cannot insert multiple commands into a prepared statement/;

/**
 * On the database itself pg-boss also sends parameterless scripts of several statements, some
 * wrapped in their own BEGIN … COMMIT (schema install, migrations, maintenance). A script that
 * fails half-way leaves its connection inside an aborted transaction, so each driver runs scripts
 * where a failure can be rolled back on the same connection.
 */
export function databaseExecutor(db: Database): SqlExecutor {
  return {
    async executeSql(text, values) {
      if (values && values.length > 0) return db.query(text, values);
      if (db.kind === 'postgres') {
        // Our transaction pins one pool client; pg-boss's own BEGIN/COMMIT inside only warn.
        // pg answers a script with one result per statement; pg-boss reads no rows from scripts.
        const result = await db.transaction((tx) => tx.query(text));
        return { rows: Array.isArray(result.rows) ? result.rows : [], rowCount: result.rowCount ?? 0 };
      }
      try {
        return await db.query(text);
      } catch (error) {
        if (!(error instanceof Error) || !MULTIPLE_COMMANDS.test(error.message)) throw error;
      }
      try {
        await db.exec(text);
        return { rows: [], rowCount: 0 };
      } catch (error) {
        await db.exec('ROLLBACK').catch(() => {});
        throw error;
      }
    },
  };
}
