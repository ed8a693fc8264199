/**
 * The audit writer, with group commit. `record` resolves once its AuditEvent is committed, but the
 * records of concurrent requests share one statement: while one flush is in flight the next
 * ones queue, and the following flush writes them all at once.
 *
 * Each writer appends to a chain of its own (named after the site and a random suffix), so
 * replicas and processes never wait for each other. The writer keeps its head in memory: a flush
 * is one statement that inserts the records and moves the head only if it is still where the
 * writer left it. Only when that fails (a flush whose outcome was never learnt, e.g. a connection
 * lost at commit) is the head read back from the database and the batch linked again.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { rename } from 'node:fs/promises';
import { hostname } from 'node:os';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Database } from '../database/database.js';
import { runOutsideRequest } from '../database/request-scope.js';
import type { Logger } from '../logging/logger.js';
import { type AuditInput, buildAuditEvent, toChainFields } from './audit-event.js';
import type { AuditKeys } from './audit-keys.js';
import { headAfter, linkRecords } from './chain.js';
import { mergeHeads, readCheckpoint, signCheckpoint, writeCheckpoint } from './checkpoint.js';
import { type ChainFields, type ChainHead, EMPTY_HEAD, keyedLink, type LinkHash } from './record-hash.js';
import { appendRecords, type ChainHeadRow, readChainHead, readChains } from './store.js';

function sameHeads(a: readonly ChainHeadRow[], b: readonly ChainHeadRow[]): boolean {
  const key = (heads: readonly ChainHeadRow[]) =>
    JSON.stringify(
      [...heads]
        .sort((x, y) => (x.chain < y.chain ? -1 : 1))
        .map((head) => [head.chain, head.seq, head.hash]),
    );
  return key(a) === key(b);
}

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
  /** The keys derived from the service secret key (`deriveAuditKeys`). */
  keys: AuditKeys;
  /** Where the signed checkpoint of every chain's head is kept; none when unset (tests). */
  checkpointFile?: string;
  /** How often the checkpoint is written while the trail runs (60 s), and always on close. */
  checkpointIntervalMs?: number;
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
  /** This writer's chain. */
  readonly chain: string;
  private readonly link: LinkHash;
  /** The chain's head as this writer committed it; undefined when it must be read back. */
  private head: ChainHead | undefined = EMPTY_HEAD;
  private queue: Pending[] = [];
  private draining: Promise<void> | undefined;
  private closed = false;
  private readonly keys: AuditKeys;
  private readonly checkpointFile: string | undefined;
  private readonly checkpointTimer: NodeJS.Timeout | undefined;
  private checkpointing: Promise<void> = Promise.resolve();

  constructor(options: AuditTrailOptions) {
    this.db = options.db;
    this.log = options.log;
    this.maxBatch = options.maxBatch ?? 1000;
    this.observer = options.observer ?? 'pathways';
    this.site = options.site ?? hostname();
    this.instruments = instrumentsOn(options.metrics);
    this.chain = `${this.site.replace(/[^A-Za-z0-9.-]/g, '-').slice(0, 48)}.${randomBytes(6).toString('hex')}`;
    this.link = keyedLink(options.keys.link, this.chain);
    this.keys = options.keys;
    this.checkpointFile = options.checkpointFile;
    if (this.checkpointFile) {
      this.checkpointTimer = setInterval(() => {
        this.checkpoint().catch((error: unknown) =>
          this.log.error({ err: error }, 'audit checkpoint could not be written'),
        );
      }, options.checkpointIntervalMs ?? 60_000);
      this.checkpointTimer.unref();
    }
  }

  /**
   * Writes the signed checkpoint of every chain's head (this writer's from memory, the others'
   * from the database), never moving a head back, and logs it. One at a time per process.
   */
  checkpoint(): Promise<void> {
    const file = this.checkpointFile;
    if (!file) return Promise.resolve();
    const next = this.checkpointing.then(async () => {
      const current = (await readChains(this.db)).filter((head) => head.chain !== this.chain);
      if (this.head && this.head.seq > 0) current.push({ chain: this.chain, ...this.head });
      const previous = await readCheckpoint(file, this.keys.checkpoint);
      if (previous.kind === 'unauthentic') {
        // Kept aside as evidence; the new checkpoint starts from the database.
        this.log.error(
          { file, detail: previous.detail },
          'audit checkpoint does not authenticate; kept aside',
        );
        await rename(file, `${file}.unauthentic-${Date.now()}`);
      }
      const before = previous.kind === 'ok' ? previous.checkpoint.heads : [];
      const { heads, behind } = mergeHeads(before, current);
      if (behind.length > 0) {
        this.log.error(
          { chains: behind.map((head) => head.chain) },
          'audit chain heads are behind the last checkpoint: records were removed; run pathways audit verify',
        );
      }
      if (previous.kind === 'ok' && sameHeads(before, heads)) return;
      const checkpoint = signCheckpoint(this.keys.checkpoint, new Date().toISOString(), heads);
      await writeCheckpoint(file, checkpoint);
      this.log.info({ auditCheckpoint: checkpoint }, 'audit checkpoint');
    });
    this.checkpointing = next.catch(() => undefined);
    return next;
  }

  /** The head of this writer's chain as last committed (EMPTY_HEAD before the first record). */
  get committedHead(): ChainHead | undefined {
    return this.head;
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

  /** Refuses new records, flushes the queued ones and writes a last checkpoint (shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.checkpointTimer) clearInterval(this.checkpointTimer);
    await this.flush();
    await this.checkpoint().catch((error: unknown) =>
      this.log.error({ err: error }, 'audit checkpoint could not be written'),
    );
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
    const fields = batch.map((pending) => pending.fields);
    try {
      let head = this.head ?? (await readChainHead(this.db, this.chain));
      let records = linkRecords(head, fields, this.link);
      if (!(await appendRecords(this.db, this.chain, head, records))) {
        // Not where this writer left it: an earlier flush committed after all. Read it and relink.
        head = await readChainHead(this.db, this.chain);
        records = linkRecords(head, fields, this.link);
        if (!(await appendRecords(this.db, this.chain, head, records))) {
          throw new Error(`audit chain ${this.chain} moved during a flush; the batch was not written`);
        }
      }
      this.head = headAfter(head, records);
    } catch (error) {
      // Nothing of the batch was written, or its outcome is unknown: read the head next time.
      this.head = undefined;
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
