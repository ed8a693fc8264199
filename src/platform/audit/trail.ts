/**
 * The audit writer, with group commit. `record` resolves once its AuditEvent is committed, but the
 * records of concurrent requests share one transaction: while one flush is in flight the next
 * ones queue, and the following flush writes them all with one INSERT. Across processes the chain
 * stays linear because each flush takes an advisory lock and reads the head inside it.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Database } from '../database/database.js';
import { runOutsideRequest } from '../database/request-scope.js';
import type { Logger } from '../logging/logger.js';
import { type AuditInput, buildAuditEvent, toChainFields } from './audit-event.js';
import { headAfter, linkRecords } from './chain.js';
import type { ChainFields } from './record-hash.js';
import { AUDIT_LOCK_KEY, advanceHead, insertRecords, readHead } from './store.js';

export interface AuditTrailOptions {
  db: Database;
  log: Logger;
  metrics: Registry;
  /** Most records written by one transaction. */
  maxBatch?: number;
  /** `AuditEvent.source.observer.display`. */
  observer?: string;
  /** `AuditEvent.source.site`: which replica wrote it (defaults to the host name). */
  site?: string;
}

interface Pending {
  fields: ChainFields;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class AuditTrailClosed extends Error {
  constructor() {
    super('the audit trail is closed');
    this.name = 'AuditTrailClosed';
  }
}

export class AuditTrail {
  /** Counts for tests and diagnostics; the same numbers are exported as metrics. */
  readonly stats = { records: 0, flushes: 0, failedFlushes: 0 };
  private readonly db: Database;
  private readonly log: Logger;
  private readonly maxBatch: number;
  private readonly observer: string;
  private readonly site: string;
  private readonly instruments: ReturnType<typeof instrumentsOn>;
  private queue: Pending[] = [];
  private draining: Promise<void> | undefined;
  private closed = false;

  constructor(options: AuditTrailOptions) {
    this.db = options.db;
    this.log = options.log;
    this.maxBatch = options.maxBatch ?? 1000;
    this.observer = options.observer ?? 'pathways';
    this.site = options.site ?? hostname();
    this.instruments = instrumentsOn(options.metrics);
  }

  /** Resolves when the record is committed; rejects when its flush failed (nothing was written). */
  record(input: AuditInput): Promise<void> {
    if (this.closed) return Promise.reject(new AuditTrailClosed());
    let fields: ChainFields;
    try {
      const event = buildAuditEvent(input, {
        id: randomUUID(),
        recorded: new Date().toISOString(),
        observer: this.observer,
        site: this.site,
      });
      fields = toChainFields(event, input);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ fields, resolve, reject });
      // One flush serves every request's records: it must not be cut or cancelled with the request
      // that happened to start it.
      this.draining ??= runOutsideRequest(() => this.drain());
    });
  }

  /** Resolves when every record queued so far has been flushed (committed or rejected). */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Refuses new records and flushes the queued ones (shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  /** The one flush loop of this process: runs while records are queued, one transaction at a time. */
  private async drain(): Promise<void> {
    // Let the records issued in the same turn of the event loop join the first transaction.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        await this.writeBatch(batch);
      }
    } finally {
      this.draining = undefined;
    }
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    const stopTimer = this.instruments.flushSeconds.startTimer();
    try {
      await this.db.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK_KEY]);
        // Read inside the lock: the head another replica committed last is the one we extend.
        const head = await readHead(tx);
        const records = linkRecords(
          head,
          batch.map((pending) => pending.fields),
        );
        await insertRecords(tx, records);
        await advanceHead(tx, head, headAfter(head, records));
      });
    } catch (error) {
      // Rolled back whole: the head did not move, so the chain is as it was before this batch.
      this.stats.failedFlushes += 1;
      this.instruments.failures.inc();
      this.log.error({ err: error, records: batch.length }, 'audit flush failed; the waiting requests fail');
      for (const pending of batch) pending.reject(error);
      return;
    } finally {
      stopTimer();
    }
    this.stats.flushes += 1;
    this.stats.records += batch.length;
    this.instruments.flushes.inc();
    this.instruments.records.inc(batch.length);
    this.instruments.batchSize.observe(batch.length);
    for (const pending of batch) pending.resolve();
  }
}

/** One set of instruments per registry, shared by every trail on it (tests run several). */
function instrumentsOn(registry: Registry) {
  const existing = <T>(name: string) => registry.getSingleMetric(name) as T | undefined;
  return {
    records:
      existing<Counter>('pathways_audit_records_total') ??
      new Counter({
        name: 'pathways_audit_records_total',
        help: 'Audit records committed',
        registers: [registry],
      }),
    flushes:
      existing<Counter>('pathways_audit_flushes_total') ??
      new Counter({
        name: 'pathways_audit_flushes_total',
        help: 'Audit transactions committed',
        registers: [registry],
      }),
    failures:
      existing<Counter>('pathways_audit_flush_failures_total') ??
      new Counter({
        name: 'pathways_audit_flush_failures_total',
        help: 'Audit transactions that failed (their requests failed)',
        registers: [registry],
      }),
    batchSize:
      existing<Histogram>('pathways_audit_batch_size') ??
      new Histogram({
        name: 'pathways_audit_batch_size',
        help: 'Audit records per transaction',
        buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
        registers: [registry],
      }),
    flushSeconds:
      existing<Histogram>('pathways_audit_flush_seconds') ??
      new Histogram({
        name: 'pathways_audit_flush_seconds',
        help: 'Duration of one audit transaction',
        buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
        registers: [registry],
      }),
  };
}
