/**
 * SQL for the audit tables (migrations 0004 and 0023): chain heads, the one-statement append,
 * ordered pages of one chain, and the newest records across chains for search.
 */
import type { Queryable } from '../database/database.js';
import { type ChainHead, type ChainRecord, EMPTY_HEAD } from './record-hash.js';

/** The chain of the records written before chains were per writer and keyed (SHA-256 links). */
export const LEGACY_CHAIN = 'legacy';

/** A chain's name and its head as its writer last committed it. */
export interface ChainHeadRow extends ChainHead {
  chain: string;
}

/** Every chain's head, by name. */
export async function readChains(db: Queryable): Promise<ChainHeadRow[]> {
  const result = await db.query<{ chain: string; seq: number; hash: string }>(
    'SELECT chain, seq, hash FROM audit_chain ORDER BY chain',
  );
  return result.rows.map((row) => ({ chain: row.chain, seq: Number(row.seq), hash: row.hash }));
}

/** One chain's head; the empty head when the chain has no record yet. */
export async function readChainHead(db: Queryable, chain: string): Promise<ChainHead> {
  const result = await db.query<{ seq: number; hash: string }>(
    'SELECT seq, hash FROM audit_chain WHERE chain = $1',
    [chain],
  );
  const row = result.rows[0];
  return row ? { seq: Number(row.seq), hash: row.hash } : EMPTY_HEAD;
}

/**
 * Appends `records` (linked after `from`) to `chain` and moves its head, as one statement (one
 * round trip, its own transaction): the head moves only if it is still `from`, and the records are
 * inserted only if it moved. The records travel as one JSON parameter. Returns false, having
 * written nothing, when the head was not `from`.
 */
export async function appendRecords(
  db: Queryable,
  chain: string,
  from: ChainHead,
  records: readonly ChainRecord[],
): Promise<boolean> {
  const to = records.at(-1);
  if (!to) return true;
  const result = await db.query(
    `WITH head AS (
       INSERT INTO audit_chain AS c (chain, seq, hash) VALUES ($1, $2, $3)
       ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash
         WHERE c.seq = $4 AND c.hash = $5
       RETURNING 1
     )
     INSERT INTO audit_event (chain, seq, id, recorded, patient, agent, action, content, prev_hash, hash)
     SELECT $1, r.seq, r.id, r.recorded, r.patient, r.agent, r.action, r.content, r.prev_hash, r.hash
       FROM json_to_recordset($6::json) AS r(seq bigint, id uuid, recorded timestamptz, patient text,
            agent text, action text, content text, prev_hash text, hash text)
      WHERE EXISTS (SELECT 1 FROM head)`,
    [chain, to.seq, to.hash, from.seq, from.hash, JSON.stringify(records.map(toRow))],
  );
  return result.rowCount === records.length;
}

function toRow(record: ChainRecord) {
  return {
    seq: record.seq,
    id: record.id,
    recorded: record.recorded,
    patient: record.patient,
    agent: record.agent,
    action: record.action,
    content: record.content,
    prev_hash: record.prevHash,
    hash: record.hash,
  };
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

/** Records of `chain` with afterSeq < seq <= uptoSeq in ascending seq, at most `limit`. */
export async function readPage(
  db: Queryable,
  chain: string,
  afterSeq: number,
  uptoSeq: number,
  limit: number,
): Promise<ChainRecord[]> {
  const result = await db.query<AuditRow>(
    `SELECT ${COLUMNS} FROM audit_event WHERE chain = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4`,
    [chain, afterSeq, uptoSeq, limit],
  );
  return result.rows.map(toRecord);
}

/**
 * The first record that lies beyond its chain's head, or in a chain that has no head, read with
 * the heads in one statement (one snapshot): records a writer is committing right now never show
 * up here, since they and their head move together.
 */
export async function firstRecordBeyondHeads(
  db: Queryable,
): Promise<{ chain: string; seq: number; id: string; headSeq: number | null } | undefined> {
  const result = await db.query<{ chain: string; seq: number; id: string; head_seq: number | null }>(
    `SELECT e.chain, e.seq, e.id, c.seq AS head_seq
       FROM audit_event e LEFT JOIN audit_chain c ON c.chain = e.chain
      WHERE c.chain IS NULL OR e.seq > c.seq
      ORDER BY e.chain, e.seq LIMIT 1`,
  );
  const row = result.rows[0];
  return row
    ? {
        chain: row.chain,
        seq: Number(row.seq),
        id: row.id,
        headSeq: row.head_seq === null ? null : Number(row.head_seq),
      }
    : undefined;
}

/** The stored hash of one record, if it exists. */
export async function recordHash(db: Queryable, chain: string, seq: number): Promise<string | undefined> {
  const result = await db.query<{ hash: string }>(
    'SELECT hash FROM audit_event WHERE chain = $1 AND seq = $2',
    [chain, seq],
  );
  return result.rows[0]?.hash;
}

/** Newest first across chains, for search; `before` is an exclusive position cursor. */
export async function readNewest(
  db: Queryable,
  options: { patient?: string; before?: number; limit: number },
): Promise<{ position: number; content: string }[]> {
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (options.patient !== undefined) {
    params.push(options.patient);
    conditions.push(`patient = $${params.length}`);
  }
  if (options.before !== undefined) {
    params.push(options.before);
    conditions.push(`position < $${params.length}`);
  }
  params.push(options.limit);
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const result = await db.query<{ position: number; content: string }>(
    `SELECT position, content FROM audit_event ${where} ORDER BY position DESC LIMIT $${params.length}`,
    params,
  );
  return result.rows.map((row) => ({ position: Number(row.position), content: row.content }));
}
