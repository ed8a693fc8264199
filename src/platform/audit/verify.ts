/**
 * Verifies the stored audit chains (`pathways audit verify`): reads the signed checkpoint, then
 * every chain's head, walks each chain's records up to its head in pages by seq (never all rows at
 * once), checks nothing lies beyond a head or outside every chain, and that every head the
 * checkpoint names is still there. Safe while writers run: records committed after the heads were
 * read are simply not examined, and the checkpoint is read before the heads.
 */
import type { Database } from '../database/database.js';
import type { AuditKeys } from './audit-keys.js';
import { type ChainBroken, type ChainRecord, type VerifyResult, verifyChain } from './chain.js';
import { type Checkpoint, readCheckpoint } from './checkpoint.js';
import { hashRecord, keyedLink, type LinkHash } from './record-hash.js';
import {
  type ChainHeadRow,
  firstRecordBeyondHeads,
  LEGACY_CHAIN,
  readChains,
  readPage,
  recordHash,
} from './store.js';

export interface VerifyOptions {
  keys: AuditKeys;
  pageSize?: number;
  /** The service's checkpoint file; unset: heads are judged by the database alone. */
  checkpointFile?: string;
}

export interface ChainSummary {
  chain: string;
  count: number;
}

export interface TrailReport {
  result: VerifyResult;
  chains: ChainSummary[];
  /** The checkpoint the heads were judged against, if there was one. */
  checkpoint: Checkpoint | undefined;
}

/** The link function of a chain: SHA-256 for the records from before keyed chains, else the HMAC. */
function linkOf(keys: AuditKeys, chain: string): LinkHash {
  return chain === LEGACY_CHAIN ? hashRecord : keyedLink(keys.link, chain);
}

export async function verifyAuditTrail(db: Database, options: VerifyOptions): Promise<VerifyResult> {
  return (await inspectAuditTrail(db, options)).result;
}

export async function inspectAuditTrail(db: Database, options: VerifyOptions): Promise<TrailReport> {
  const pageSize = options.pageSize ?? 2000;
  const chains: ChainSummary[] = [];
  let checkpoint: Checkpoint | undefined;
  const report = (result: VerifyResult): TrailReport => ({ result, chains, checkpoint });
  if (options.checkpointFile) {
    const read = await readCheckpoint(options.checkpointFile, options.keys.checkpoint);
    if (read.kind === 'unauthentic') return report(broken(undefined, 0, 'altered', read.detail));
    if (read.kind === 'ok') checkpoint = read.checkpoint;
  }
  const heads = await readChains(db);
  let count = 0;
  for (const head of heads) {
    async function* pages(): AsyncGenerator<ChainRecord[]> {
      let afterSeq = 0;
      for (;;) {
        const page = await readPage(db, head.chain, afterSeq, head.seq, pageSize);
        if (page.length === 0) return;
        yield page;
        afterSeq = page.at(-1)!.seq;
        if (page.length < pageSize) return;
      }
    }
    const result = await verifyChain(pages(), head, linkOf(options.keys, head.chain));
    if (!result.ok) return report({ ...result, chain: head.chain });
    chains.push({ chain: head.chain, count: result.count });
    count += result.count;
  }
  const beyond = await firstRecordBeyondHeads(db);
  if (beyond) {
    if (beyond.headSeq === null) {
      return report(
        broken(
          beyond.chain,
          beyond.seq,
          'deleted',
          `the chain's head is gone (removed from audit_chain), or the chain was added outside the audit trail`,
        ),
      );
    }
    const detail = `it lies beyond the head (seq ${beyond.headSeq}): added outside the audit trail`;
    return report({
      ok: false,
      chain: beyond.chain,
      seq: beyond.seq,
      id: beyond.id,
      problem: 'inserted',
      detail,
    });
  }
  if (checkpoint) {
    const problem = await againstCheckpoint(db, checkpoint, heads);
    if (problem) return report(problem);
  }
  return report({ ok: true, count });
}

/** Every head the checkpoint names must still be there, with the record it named unchanged. */
async function againstCheckpoint(
  db: Database,
  checkpoint: Checkpoint,
  heads: readonly ChainHeadRow[],
): Promise<ChainBroken | undefined> {
  const byChain = new Map(heads.map((head) => [head.chain, head]));
  const of = `the checkpoint of ${checkpoint.writtenAt}`;
  for (const signed of checkpoint.heads) {
    const head = byChain.get(signed.chain);
    if (!head) {
      return broken(
        signed.chain,
        1,
        'deleted',
        `the whole chain is gone; ${of} names its records 1..${signed.seq}`,
      );
    }
    if (head.seq < signed.seq) {
      return broken(
        signed.chain,
        head.seq + 1,
        'deleted',
        `records ${head.seq + 1}..${signed.seq} are missing: ${of} names seq ${signed.seq} (the chain and its head were cut back)`,
      );
    }
    if (signed.chain === LEGACY_CHAIN && head.seq > signed.seq) {
      return broken(
        signed.chain,
        signed.seq + 1,
        'inserted',
        `the legacy chain only ever shrinks; ${of} ends it at ${signed.seq}`,
      );
    }
    if ((await recordHash(db, signed.chain, signed.seq)) !== signed.hash) {
      return broken(signed.chain, signed.seq, 'altered', `its hash differs from the one ${of} recorded`);
    }
  }
  const legacy = byChain.get(LEGACY_CHAIN);
  if (legacy && !checkpoint.heads.some((signed) => signed.chain === LEGACY_CHAIN)) {
    return broken(LEGACY_CHAIN, 1, 'inserted', `a legacy chain appeared after ${of}, which has none`);
  }
  return undefined;
}

function broken(
  chain: string | undefined,
  seq: number,
  problem: ChainBroken['problem'],
  detail: string,
): ChainBroken {
  return { ok: false, ...(chain !== undefined ? { chain } : {}), seq, id: null, problem, detail };
}

export function describeResult(result: VerifyResult): string {
  if (result.ok) return `audit chain intact: ${result.count} record${result.count === 1 ? '' : 's'}`;
  const id = result.id ? ` (id ${result.id})` : '';
  const chain = result.chain ? ` [chain ${result.chain}]` : '';
  return `audit chain broken at seq ${result.seq}${id}: ${result.problem}: ${result.detail}${chain}`;
}

/**
 * The CLI command. Broken: one line naming the first broken record, exit 1. Intact: a summary
 * line, then one line per chain and one about the checkpoint, exit 0.
 */
export async function runAuditVerify(
  db: Database,
  out: (line: string) => void,
  options: VerifyOptions,
): Promise<number> {
  const { result, chains, checkpoint } = await inspectAuditTrail(db, options);
  out(describeResult(result));
  if (!result.ok) return 1;
  for (const chain of chains)
    out(`  chain ${chain.chain}: ${chain.count} record${chain.count === 1 ? '' : 's'}`);
  if (checkpoint) {
    out(`  checkpoint of ${checkpoint.writtenAt}: ${checkpoint.heads.length} chain heads, all present`);
  } else if (options.checkpointFile) {
    out(`  no checkpoint yet at ${options.checkpointFile}: heads judged by the database alone`);
  }
  return 0;
}
