/**
 * One chained audit record and its hash (pure). The hash covers the previous record's hash, the
 * record's seq and every stored column, so no column can change without the hash changing.
 *
 * Two link functions: the keyed one every writer uses (an HMAC under a key kept out of the
 * database, so someone who can rewrite the tables and read the code still cannot recompute a link),
 * and the SHA-256 one of the records written before chains were keyed (the `legacy` chain).
 */
import { createHash, createHmac, type KeyObject } from 'node:crypto';

/** The `prevHash` of record 1: no record before it. */
export const GENESIS_HASH = '0'.repeat(64);

/** The stored columns of one record that the hash covers (besides seq and prevHash). */
export interface ChainFields {
  id: string;
  /** RFC 3339 instant with milliseconds, exactly as `Date.prototype.toISOString` writes it. */
  recorded: string;
  patient: string | null;
  agent: string | null;
  action: string;
  /** The AuditEvent JSON text. */
  content: string;
}

export interface ChainRecord extends ChainFields {
  seq: number;
  prevHash: string;
  hash: string;
}

/** The newest record as the writer last committed it. Seq 0 and GENESIS_HASH: nothing written. */
export interface ChainHead {
  seq: number;
  hash: string;
}

export const EMPTY_HEAD: ChainHead = { seq: 0, hash: GENESIS_HASH };

export type TamperKind = 'altered' | 'inserted' | 'deleted' | 'reordered';

export interface ChainBroken {
  ok: false;
  /** The chain the record belongs to (set by the database verifier). */
  chain?: string;
  /** The first record that is not as written (for a deletion: the first missing seq). */
  seq: number;
  /** That record's id, or null when the record is gone. */
  id: string | null;
  problem: TamperKind;
  detail: string;
}

export type VerifyResult = { ok: true; count: number } | ChainBroken;

/**
 * The exact text hashed for one record. A JSON array has one unambiguous serialisation for
 * these strings, nulls and the integer seq, so no two different records share a canonical form.
 */
export function canonicalRecord(seq: number, fields: ChainFields): string {
  return JSON.stringify([
    seq,
    fields.id,
    fields.recorded,
    fields.patient,
    fields.agent,
    fields.action,
    fields.content,
  ]);
}

/** Computes a record's link from its predecessor's, its seq and its columns. */
export type LinkHash = (prevHash: string, seq: number, fields: ChainFields) => string;

/**
 * The unkeyed SHA-256 link (lower-case hex) of the previous record's hash followed by this record's
 * canonical form: the `legacy` chain's.
 */
export function hashRecord(prevHash: string, seq: number, fields: ChainFields): string {
  return createHash('sha256')
    .update(prevHash)
    .update('\n')
    .update(canonicalRecord(seq, fields))
    .digest('hex');
}

/**
 * The keyed link of one chain: HMAC-SHA256 over the previous link, then the chain's name, the seq
 * and the short columns as a JSON array (which never contains a raw newline, so where it ends is
 * unambiguous), then the stored AuditEvent text as it is, hashed once without another copy.
 */
export function keyedLink(key: KeyObject, chain: string): LinkHash {
  return (prevHash, seq, fields) =>
    createHmac('sha256', key)
      .update(prevHash)
      .update('\n')
      .update(
        JSON.stringify([chain, seq, fields.id, fields.recorded, fields.patient, fields.agent, fields.action]),
      )
      .update('\n')
      .update(fields.content)
      .digest('hex');
}

/** Chains new records after `head`: consecutive seqs, each linked to the one before. */
export function linkRecords(
  head: ChainHead,
  batch: readonly ChainFields[],
  link: LinkHash = hashRecord,
): ChainRecord[] {
  const linked: ChainRecord[] = [];
  let prevHash = head.hash;
  let seq = head.seq;
  for (const fields of batch) {
    seq += 1;
    const hash = link(prevHash, seq, fields);
    linked.push({ ...fields, seq, prevHash, hash });
    prevHash = hash;
  }
  return linked;
}

/** The head after `records` (the last one), or `head` when there are none. */
export function headAfter(head: ChainHead, records: readonly ChainRecord[]): ChainHead {
  const last = records.at(-1);
  return last ? { seq: last.seq, hash: last.hash } : head;
}
