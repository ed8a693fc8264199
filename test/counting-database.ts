/**
 * A `Database` that counts what the service asks of it, for the statement-count tests
 * (test/statement-counts.test.ts): every statement a request runs, and every transaction it ends,
 * on either driver. Statements outside an HTTP request (the outbox dispatcher, jobs, polls) are
 * not the request's and are left out; the audit trail's (its flush runs outside the request that
 * waits for it) are counted on their own, by the tables they touch.
 */

import type { Database, Queryable, QueryResult, Row } from '../src/platform/database/database.js';
import { currentRequestScope } from '../src/platform/database/request-scope.js';

export interface Counts {
  /** Statements the database ran for it, BEGIN and COMMIT included (on PostgreSQL, round trips). */
  statements: number;
  /** Transactions ended: a `transaction()` or a statement on its own (autocommit). */
  commits: number;
  /** Each statement's first words, in order, for the failure message. */
  trace: string[];
}

interface TransactionLog {
  statements: string[];
  audit: boolean;
}

const empty = (): Counts => ({ statements: 0, commits: 0, trace: [] });

function isAudit(sql: string): boolean {
  return /\baudit_(event|head|chain)/i.test(sql);
}

function label(sql: string): string {
  return sql.trim().replace(/\s+/g, ' ').slice(0, 70);
}

export class StatementCounter {
  request = empty();
  audit = empty();

  /** Starts counting afresh (before the operation under test). */
  reset(): void {
    this.request = empty();
    this.audit = empty();
  }

  wrap(db: Database): Database {
    const counter = this;
    const counted = (target: Queryable, inTransaction: TransactionLog | undefined): Queryable => ({
      query<T = Row>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
        if (inTransaction) {
          inTransaction.statements.push(label(sql));
          if (isAudit(sql)) inTransaction.audit = true;
        } else {
          const bucket = isAudit(sql) ? counter.audit : currentRequestScope() ? counter.request : undefined;
          if (bucket) {
            bucket.statements++;
            bucket.commits++;
            bucket.trace.push(label(sql));
          }
        }
        return target.query<T>(sql, params);
      },
    });
    return {
      kind: db.kind,
      probe: db.probe,
      query: counted(db, undefined).query,
      async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
        const inRequest = currentRequestScope() !== undefined;
        const log: TransactionLog = { statements: [], audit: false };
        try {
          return await db.transaction((tx) => fn(counted(tx, log)));
        } finally {
          const bucket = log.audit ? counter.audit : inRequest ? counter.request : undefined;
          if (bucket) {
            bucket.commits++;
            bucket.statements += log.statements.length + 2;
            bucket.trace.push(`BEGIN; ${log.statements.join('; ')}; COMMIT`);
          }
        }
      },
      exec: (sql) => db.exec(sql),
      poolStats: () => db.poolStats(),
      ping: (timeoutMs) => db.ping(timeoutMs),
      exclusive: (lockKey, fn) => db.exclusive(lockKey, fn),
      close: () => db.close(),
    };
  }
}
