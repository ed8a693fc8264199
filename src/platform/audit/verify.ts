/**
 * Verifies the stored audit chain (`pathways audit verify`): reads the head, walks the records up
 * to it in pages by seq (never all rows at once), then checks nothing lies beyond the head.
 * Safe while writers run: records committed after the head was read are simply not examined.
 */
import type { Database } from '../database/database.js';
import { type ChainRecord, type VerifyResult, verifyChain } from './chain.js';
import { AuditHeadMissing, firstRecordBeyondHead, readHead, readPage } from './store.js';

export interface VerifyOptions {
  pageSize?: number;
}

export async function verifyAuditTrail(db: Database, options: VerifyOptions = {}): Promise<VerifyResult> {
  const pageSize = options.pageSize ?? 2000;
  let head: Awaited<ReturnType<typeof readHead>>;
  try {
    head = await readHead(db);
  } catch (error) {
    if (!(error instanceof AuditHeadMissing)) throw error;
    return { ok: false, seq: 0, id: null, problem: 'deleted', detail: error.message };
  }
  async function* pages(): AsyncGenerator<ChainRecord[]> {
    let afterSeq = 0;
    for (;;) {
      const page = await readPage(db, afterSeq, head.seq, pageSize);
      if (page.length === 0) return;
      yield page;
      afterSeq = page.at(-1)!.seq;
      if (page.length < pageSize) return;
    }
  }
  const result = await verifyChain(pages(), head);
  if (!result.ok) return result;
  const beyond = await firstRecordBeyondHead(db);
  if (beyond) {
    return {
      ok: false,
      seq: beyond.seq,
      id: beyond.id,
      problem: 'inserted',
      detail: `it lies beyond the head (seq ${beyond.headSeq}): added outside the audit trail`,
    };
  }
  return result;
}

export function describeResult(result: VerifyResult): string {
  if (result.ok) return `audit chain intact: ${result.count} record${result.count === 1 ? '' : 's'}`;
  const id = result.id ? ` (id ${result.id})` : '';
  return `audit chain broken at seq ${result.seq}${id}: ${result.problem}: ${result.detail}`;
}

/** The CLI command: prints one line; exit code 0 when intact, 1 when broken. */
export async function runAuditVerify(db: Database, out: (line: string) => void): Promise<number> {
  const result = await verifyAuditTrail(db);
  out(describeResult(result));
  return result.ok ? 0 : 1;
}
