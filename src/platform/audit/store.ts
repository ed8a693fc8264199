/** SQL for the audit tables (migrations/0004_audit.sql): head, batched inserts, ordered pages. */
import type { Queryable } from '../database/database.js';
import type { ChainHead, ChainRecord } from './record-hash.js';

/** Advisory lock key serialising audit flushes across processes and replicas. */
export const AUDIT_LOCK_KEY = 7_301_004;

export class AuditHeadMissing extends Error {
  constructor() {
    super('audit_head has no row: the audit trail head was removed');
    this.name = 'AuditHeadMissing';
  }
}

export async function readHead(db: Queryable): Promise<ChainHead> {
  const result = await db.query<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_head');
  const row = result.rows[0];
  if (!row) throw new AuditHeadMissing();
  return { seq: Number(row.seq), hash: row.hash };
}

/**
 * One statement for the whole batch: arrays unnested server-side keep the parameter count at nine
 * whatever the batch size, and the statement text the same (one prepared plan).
 */
export async function insertRecords(db: Queryable, records: readonly ChainRecord[]): Promise<void> {
  if (records.length === 0) return;
  await db.query(
    `INSERT INTO audit_event (seq, id, recorded, patient, agent, action, content, prev_hash, hash)
     SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::timestamptz[], $4::text[], $5::text[], $6::text[],
                          $7::text[], $8::text[], $9::text[])`,
    [
      records.map((record) => record.seq),
      records.map((record) => record.id),
      records.map((record) => record.recorded),
      records.map((record) => record.patient),
      records.map((record) => record.agent),
      records.map((record) => record.action),
      records.map((record) => record.content),
      records.map((record) => record.prevHash),
      records.map((record) => record.hash),
    ],
  );
}

/** Moves the head from `from` to `to`; refuses (throws) if another writer moved it meanwhile. */
export async function advanceHead(db: Queryable, from: ChainHead, to: ChainHead): Promise<void> {
  const result = await db.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE seq = $3 AND hash = $4', [
    to.seq,
    to.hash,
    from.seq,
    from.hash,
  ]);
  if (result.rowCount !== 1) throw new Error('audit head moved during a flush; the batch was not written');
}

interface AuditRow {
  seq: number;
  id: string;
  recorded: Date | string;
  patient: string | null;
  agent: string | null;
  action: string;
  content: string;
  prev_hash: string;
  hash: string;
}

const COLUMNS = 'seq, id, recorded, patient, agent, action, content, prev_hash, hash';

function toRecord(row: AuditRow): ChainRecord {
  return {
    seq: Number(row.seq),
    id: row.id,
    // Milliseconds were written, so the instant reads back to the exact string that was hashed.
    recorded: new Date(row.recorded).toISOString(),
    patient: row.patient,
    agent: row.agent,
    action: row.action,
    content: row.content,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** Records with afterSeq < seq <= uptoSeq in ascending seq, at most `limit`. */
export async function readPage(
  db: Queryable,
  afterSeq: number,
  uptoSeq: number,
  limit: number,
): Promise<ChainRecord[]> {
  const result = await db.query<AuditRow>(
    `SELECT ${COLUMNS} FROM audit_event WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3`,
    [afterSeq, uptoSeq, limit],
  );
  return result.rows.map(toRecord);
}

/**
 * The first record beyond the head, read together with the head in one statement (one snapshot),
 * so records a writer is committing right now never show up here: they and the head move together.
 */
export async function firstRecordBeyondHead(
  db: Queryable,
): Promise<{ seq: number; id: string; headSeq: number } | undefined> {
  const result = await db.query<{ seq: number; id: string; head_seq: number }>(
    `SELECT e.seq, e.id, h.seq AS head_seq FROM audit_event e, audit_head h
      WHERE e.seq > h.seq ORDER BY e.seq LIMIT 1`,
  );
  const row = result.rows[0];
  return row ? { seq: Number(row.seq), id: row.id, headSeq: Number(row.head_seq) } : undefined;
}

/** Newest first, for search; `before` is an exclusive seq cursor. */
export async function readNewest(
  db: Queryable,
  options: { patient?: string; before?: number; limit: number },
): Promise<{ seq: number; content: string }[]> {
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (options.patient !== undefined) {
    params.push(options.patient);
    conditions.push(`patient = $${params.length}`);
  }
  if (options.before !== undefined) {
    params.push(options.before);
    conditions.push(`seq < $${params.length}`);
  }
  params.push(options.limit);
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const result = await db.query<{ seq: number; content: string }>(
    `SELECT seq, content FROM audit_event ${where} ORDER BY seq DESC LIMIT $${params.length}`,
    params,
  );
  return result.rows.map((row) => ({ seq: Number(row.seq), content: row.content }));
}
