/**
 * Classifies the first unsound record of the chain (pure). Detection itself is certain (a hash or
 * link does not hold); naming the kind of tampering reads the evidence the way each kind leaves it:
 *
 * - altered:   the record's own hash no longer matches its columns, and it is where it was written.
 *              Re-hashed after the change: its successor no longer links to it.
 * - deleted:   a gap in seq (rows removed), or the following records were renumbered down, which
 *              shows as their hashes matching the seq they had before (seq is inside the hash).
 * - inserted:  a record its successor does not link to, while the successor links to the one
 *              before it; or later records renumbered up (their hashes match a lower seq).
 * - reordered: a record whose hash matches another position, without the rest moving with it.
 */
import {
  type ChainBroken,
  type ChainRecord,
  GENESIS_HASH,
  hashRecord,
  type LinkHash,
} from './record-hash.js';

/** A verified record kept for naming the first of several inserted ones. */
export interface RecentRecord {
  seq: number;
  id: string;
  hash: string;
}

export interface DiagnosisInput {
  /** The first record that is not sound. */
  record: ChainRecord;
  /** The last sound record before it. */
  previous: ChainRecord | undefined;
  /** The record after it, if any (look-ahead). */
  next: ChainRecord | undefined;
  /** The last sound records in ascending seq, ending with `previous`. */
  recent: readonly RecentRecord[];
  /** The chain's link function (SHA-256 unless given). */
  link?: LinkHash;
}

/** How far from its position a moved record's original seq is searched for. */
const SHIFT_WINDOW = 64;

export function diagnose({ record, previous, next, recent, link = hashRecord }: DiagnosisInput): ChainBroken {
  const expectedSeq = (previous?.seq ?? 0) + 1;
  if (record.seq > expectedSeq) {
    const last = record.seq - 1;
    return broken(expectedSeq, null, 'deleted', [
      expectedSeq === last
        ? `record ${expectedSeq} is missing`
        : `records ${expectedSeq}..${last} are missing`,
      `the next surviving record is seq ${record.seq} (id ${record.id})`,
    ]);
  }
  if (record.seq < expectedSeq) {
    return broken(record.seq, record.id, 'reordered', [
      `seq ${record.seq} appears after seq ${previous?.seq}`,
    ]);
  }
  const ownHashHolds = record.hash === link(record.prevHash, record.seq, record);
  return ownHashHolds ? linkBroken(record, previous, recent) : hashBroken(record, next, recent, link);
}

/** The record is self-consistent but does not link to the record before it. */
function linkBroken(record: ChainRecord, previous: ChainRecord | undefined, recent: readonly RecentRecord[]) {
  if (!previous) {
    return broken(record.seq, record.id, 'altered', ['the first record does not link to the genesis value']);
  }
  // Linking further back means the records in between are not part of the written chain.
  const linkedTo =
    record.prevHash === GENESIS_HASH ? 0 : recent.find((earlier) => earlier.hash === record.prevHash)?.seq;
  if (linkedTo !== undefined && linkedTo < previous.seq) {
    const first = linkedTo + 1;
    return broken(first, idAt(recent, first), 'inserted', [
      `record ${record.seq} links to record ${linkedTo}, so ${rangeText(first, previous.seq)} not written by the audit trail`,
    ]);
  }
  return broken(previous.seq, previous.id, 'altered', [
    `record ${record.seq} does not link to it: it was changed and its hash recomputed`,
    `(or records after it were removed and the rest renumbered and re-hashed)`,
  ]);
}

/** The record's own hash does not match its columns at its seq. */
function hashBroken(
  record: ChainRecord,
  next: ChainRecord | undefined,
  recent: readonly RecentRecord[],
  link: LinkHash,
) {
  const shift = originalShift(record, link);
  if (shift === undefined) {
    const nextShift = next ? originalShift(next, link) : undefined;
    if (next && nextShift !== undefined && nextShift < 0) {
      // The record after this one was written at a lower seq: this one was slipped in before it.
      const first = next.seq + nextShift;
      return broken(first, first === record.seq ? record.id : idAt(recent, first), 'inserted', [
        `record ${next.seq} was written as seq ${next.seq + nextShift}; ${rangeText(first, next.seq - 1)} inserted before it`,
      ]);
    }
    return broken(record.seq, record.id, 'altered', ['its columns no longer match its hash']);
  }
  if (shift > 0) {
    const nextMovedAlike = !next || originalShift(next, link) === shift;
    if (nextMovedAlike) {
      return broken(record.seq, null, 'deleted', [
        `${shift === 1 ? '1 record was' : `${shift} records were`} removed here and the later records renumbered`,
        `(record ${record.id} was written as seq ${record.seq + shift})`,
      ]);
    }
    return broken(record.seq, record.id, 'reordered', [`it was written as seq ${record.seq + shift}`]);
  }
  const first = record.seq + shift;
  return broken(first, idAt(recent, first), 'inserted', [
    `record ${record.id} was written as seq ${first}; ${rangeText(first, record.seq - 1)} inserted before it`,
  ]);
}

/** How many places a record moved since it was written (its hash holds at seq + shift), if near. */
function originalShift(record: ChainRecord, link: LinkHash): number | undefined {
  for (let distance = 1; distance <= SHIFT_WINDOW; distance++) {
    for (const shift of [distance, -distance]) {
      const seq = record.seq + shift;
      if (seq >= 1 && link(record.prevHash, seq, record) === record.hash) return shift;
    }
  }
  return undefined;
}

function idAt(recent: readonly RecentRecord[], seq: number): string | null {
  return recent.find((earlier) => earlier.seq === seq)?.id ?? null;
}

function rangeText(first: number, last: number): string {
  return first === last ? `record ${first} was` : `records ${first}..${last} were`;
}

function broken(
  seq: number,
  id: string | null,
  problem: ChainBroken['problem'],
  detail: string[],
): ChainBroken {
  return { ok: false, seq, id, problem, detail: detail.join(' ') };
}
