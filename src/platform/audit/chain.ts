/**
 * The audit hash chain, pure (no I/O). Every record carries the SHA-256 of its predecessor
 * (`prevHash`) and its own hash over that link, its sequence number and every stored column, so
 * changing, inserting, deleting or reordering any record breaks either its own hash or the link
 * from its successor. A separate head (last seq + hash, written in the same transaction as the
 * records) makes the removal of the newest records detectable too.
 */
import { diagnose, type RecentRecord } from './chain-diagnosis.js';
import {
  type ChainHead,
  type ChainRecord,
  GENESIS_HASH,
  hashRecord,
  type LinkHash,
  type VerifyResult,
} from './record-hash.js';

export * from './record-hash.js';

/** A record is sound when its own hash, its link to its predecessor and its seq all hold. */
export function isSound(
  record: ChainRecord,
  previous: ChainRecord | undefined,
  link: LinkHash = hashRecord,
): boolean {
  return (
    record.seq === (previous?.seq ?? 0) + 1 &&
    record.prevHash === (previous?.hash ?? GENESIS_HASH) &&
    record.hash === link(record.prevHash, record.seq, record)
  );
}

type Pages = Iterable<readonly ChainRecord[]> | AsyncIterable<readonly ChainRecord[]>;

async function* eachRecord(pages: Pages): AsyncGenerator<ChainRecord> {
  for await (const page of pages) yield* page;
}

/** How many verified records are kept in memory to name the first of several inserted ones. */
const RECENT_WINDOW = 64;

/**
 * Walks the chain from seq 1 in ascending order and returns the first record that is not as the
 * writer left it, classified. `head` is the head read before the records; only records up to
 * head.seq should be passed (newer ones may be committed while the walk runs). `link` is the
 * chain's link function (the keyed one, or SHA-256 for the legacy chain).
 */
export async function verifyChain(
  pages: Pages,
  head: ChainHead,
  link: LinkHash = hashRecord,
): Promise<VerifyResult> {
  const records = eachRecord(pages);
  const recent: RecentRecord[] = [];
  let previous: ChainRecord | undefined;
  let count = 0;
  let current = await records.next();
  while (!current.done) {
    const record = current.value;
    // One record of look-ahead: telling an insertion from an alteration needs the successor.
    const next = await records.next();
    if (!isSound(record, previous, link)) {
      return diagnose({ record, previous, next: next.done ? undefined : next.value, recent, link });
    }
    recent.push({ seq: record.seq, id: record.id, hash: record.hash });
    if (recent.length > RECENT_WINDOW) recent.shift();
    previous = record;
    count += 1;
    current = next;
  }
  return checkHead(previous, head, count);
}

/** After the last record: the head must name it, or the newest records were removed or added. */
export function checkHead(last: ChainRecord | undefined, head: ChainHead, count: number): VerifyResult {
  const lastSeq = last?.seq ?? 0;
  if (lastSeq < head.seq) {
    return {
      ok: false,
      seq: lastSeq + 1,
      id: null,
      problem: 'deleted',
      detail: `the newest records ${lastSeq + 1}..${head.seq} are missing (the chain was truncated; the head names seq ${head.seq})`,
    };
  }
  if (lastSeq > head.seq) {
    return {
      ok: false,
      seq: head.seq + 1,
      id: null,
      problem: 'inserted',
      detail: `records after the head (seq ${head.seq}) were added outside the writer`,
    };
  }
  if ((last?.hash ?? GENESIS_HASH) !== head.hash) {
    return {
      ok: false,
      seq: lastSeq,
      id: last?.id ?? null,
      problem: 'altered',
      detail: `the newest record's hash differs from the one the head recorded`,
    };
  }
  return { ok: true, count };
}
