/**
 * Signed checkpoints of every chain's head, kept outside the database (a file in DATA_DIR, and a
 * log line). Keyed links stop anyone without the key from rewriting a record; a checkpoint stops
 * them from quietly removing the newest records of a chain (or a whole chain) and setting its head
 * back, which leaves an intact but shorter chain. A checkpoint only moves forward: a head found
 * behind the previous checkpoint is kept as the checkpoint had it (and verify reports it).
 */
import { createHmac, type KeyObject, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ChainHeadRow } from './store.js';

export interface Checkpoint {
  version: 1;
  /** RFC 3339: when the heads were read. */
  writtenAt: string;
  /** Every chain's head, by chain name. */
  heads: ChainHeadRow[];
  /** HMAC-SHA256 (hex) of the fields above under the checkpoint key. */
  mac: string;
}

function macOf(key: KeyObject, writtenAt: string, heads: readonly ChainHeadRow[]): string {
  const body = JSON.stringify({
    version: 1,
    writtenAt,
    heads: heads.map((head) => [head.chain, head.seq, head.hash]),
  });
  return createHmac('sha256', key).update(body).digest('hex');
}

export function signCheckpoint(
  key: KeyObject,
  writtenAt: string,
  heads: readonly ChainHeadRow[],
): Checkpoint {
  const sorted = [...heads].sort((a, b) => (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : 0));
  return { version: 1, writtenAt, heads: sorted, mac: macOf(key, writtenAt, sorted) };
}

/** True when the checkpoint is well formed and its MAC holds under `key`. */
export function checkpointAuthentic(key: KeyObject, value: unknown): value is Checkpoint {
  if (typeof value !== 'object' || value === null) return false;
  const checkpoint = value as Partial<Checkpoint>;
  if (checkpoint.version !== 1 || typeof checkpoint.writtenAt !== 'string') return false;
  if (typeof checkpoint.mac !== 'string' || !Array.isArray(checkpoint.heads)) return false;
  const wellFormed = checkpoint.heads.every(
    (head) =>
      typeof head === 'object' &&
      head !== null &&
      typeof head.chain === 'string' &&
      Number.isSafeInteger(head.seq) &&
      typeof head.hash === 'string',
  );
  if (!wellFormed) return false;
  const expected = Buffer.from(macOf(key, checkpoint.writtenAt, checkpoint.heads), 'hex');
  const given = Buffer.from(checkpoint.mac, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The heads of the next checkpoint: each chain's newer head, never an older one. `behind` names the
 * chains whose current head is behind (or, at the same seq, differs from) the previous checkpoint.
 */
export function mergeHeads(
  previous: readonly ChainHeadRow[],
  current: readonly ChainHeadRow[],
): { heads: ChainHeadRow[]; behind: ChainHeadRow[] } {
  const merged = new Map(previous.map((head) => [head.chain, head]));
  const behind: ChainHeadRow[] = [];
  for (const head of current) {
    const before = merged.get(head.chain);
    if (!before || head.seq > before.seq) merged.set(head.chain, head);
    else if (head.seq < before.seq || head.hash !== before.hash) behind.push(head);
  }
  for (const chain of merged.keys()) {
    if (!current.some((head) => head.chain === chain)) behind.push({ chain, seq: 0, hash: '' });
  }
  return { heads: [...merged.values()], behind };
}

export type CheckpointRead =
  | { kind: 'none' }
  | { kind: 'unauthentic'; detail: string }
  | { kind: 'ok'; checkpoint: Checkpoint };

export async function readCheckpoint(file: string, key: KeyObject): Promise<CheckpointRead> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' };
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'unauthentic', detail: `${file} is not JSON` };
  }
  return checkpointAuthentic(key, value)
    ? { kind: 'ok', checkpoint: value }
    : {
        kind: 'unauthentic',
        detail: `${file} does not authenticate under the audit key (altered or forged)`,
      };
}

/** Written aside and renamed into place, so a reader never sees half a checkpoint. */
export async function writeCheckpoint(file: string, checkpoint: Checkpoint): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(aside, `${JSON.stringify(checkpoint, null, 1)}\n`, { mode: 0o600 });
  await rename(aside, file);
}

/** Where a service keeps its checkpoint by default. */
export function defaultCheckpointFile(dataDir: string): string {
  return path.join(dataDir, 'audit', 'checkpoint.json');
}
