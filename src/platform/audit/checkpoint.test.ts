import { describe, expect, it } from 'vitest';
import { deriveAuditKeys } from './audit-keys.js';
import { checkpointAuthentic, mergeHeads, signCheckpoint } from './checkpoint.js';

const keys = deriveAuditKeys(Buffer.alloc(32, 1));
const a = (seq: number, hash = `a${seq}`) => ({ chain: 'a', seq, hash });
const b = (seq: number, hash = `b${seq}`) => ({ chain: 'b', seq, hash });

describe('signCheckpoint / checkpointAuthentic', () => {
  it('signs the heads in chain order and authenticates only what it signed, under its key', () => {
    const checkpoint = signCheckpoint(keys.checkpoint, '2026-01-01T00:00:00.000Z', [b(2), a(5)]);
    expect(checkpoint.heads.map((head) => head.chain)).toEqual(['a', 'b']);
    expect(checkpointAuthentic(keys.checkpoint, checkpoint)).toBe(true);
    expect(checkpointAuthentic(keys.checkpoint, JSON.parse(JSON.stringify(checkpoint)))).toBe(true);
    expect(checkpointAuthentic(deriveAuditKeys(Buffer.alloc(32, 2)).checkpoint, checkpoint)).toBe(false);
    expect(checkpointAuthentic(keys.link, checkpoint)).toBe(false);
    for (const edited of [
      { ...checkpoint, heads: [a(4), b(2)] },
      { ...checkpoint, heads: [a(5)] },
      { ...checkpoint, writtenAt: '2026-01-02T00:00:00.000Z' },
      { ...checkpoint, heads: [a(5, 'x'), b(2)] },
      { ...checkpoint, mac: checkpoint.mac.slice(2) },
      { ...checkpoint, version: 2 },
      { ...checkpoint, heads: [{ chain: 'a', seq: '5', hash: 'a5' }, b(2)] },
      null,
      'text',
    ]) {
      expect(checkpointAuthentic(keys.checkpoint, edited)).toBe(false);
    }
  });
});

describe('mergeHeads', () => {
  it('takes the newer head of each chain and adds new chains', () => {
    expect(mergeHeads([a(3), b(1)], [a(5), b(1), { chain: 'c', seq: 1, hash: 'c1' }])).toEqual({
      heads: [a(5), b(1), { chain: 'c', seq: 1, hash: 'c1' }],
      behind: [],
    });
  });

  it('never moves a head back, and names the chains found behind, changed or gone', () => {
    const { heads, behind } = mergeHeads([a(5), b(2)], [a(4)]);
    expect(heads).toEqual([a(5), b(2)]);
    expect(behind.map((head) => head.chain)).toEqual(['a', 'b']);
    expect(mergeHeads([a(5)], [a(5, 'other')])).toEqual({ heads: [a(5)], behind: [a(5, 'other')] });
  });
});
