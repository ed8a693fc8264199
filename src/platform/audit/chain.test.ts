import { describe, expect, it } from 'vitest';
import {
  type ChainFields,
  type ChainHead,
  type ChainRecord,
  canonicalRecord,
  EMPTY_HEAD,
  GENESIS_HASH,
  hashRecord,
  headAfter,
  linkRecords,
  verifyChain,
} from './chain.js';

function fields(n: number, overrides: Partial<ChainFields> = {}): ChainFields {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    recorded: new Date(Date.UTC(2025, 0, 1, 0, 0, n)).toISOString(),
    patient: n % 3 === 0 ? null : `Patient/p${n % 5}`,
    agent: 'Practitioner/1',
    action: 'R',
    content: JSON.stringify({ resourceType: 'AuditEvent', n }),
    ...overrides,
  };
}

function chain(count: number): { records: ChainRecord[]; head: ChainHead } {
  const records = linkRecords(
    EMPTY_HEAD,
    Array.from({ length: count }, (_, i) => fields(i + 1)),
  );
  return { records, head: headAfter(EMPTY_HEAD, records) };
}

/** Pages of `size` records, as the database reader yields them. */
function paged(records: ChainRecord[], size = 3): ChainRecord[][] {
  const pages: ChainRecord[][] = [];
  for (let i = 0; i < records.length; i += size) pages.push(records.slice(i, i + size));
  return pages;
}

const at = (records: ChainRecord[], seq: number) => records.find((record) => record.seq === seq)!;
const rehash = (record: ChainRecord): ChainRecord => ({
  ...record,
  hash: hashRecord(record.prevHash, record.seq, record),
});
/** Changes the seq of every record from `fromSeq` on by `delta`, leaving their hashes (an UPDATE). */
const renumber = (records: ChainRecord[], fromSeq: number, delta: number) =>
  records.map((record) => (record.seq >= fromSeq ? { ...record, seq: record.seq + delta } : record));
const sorted = (records: ChainRecord[]) => [...records].sort((a, b) => a.seq - b.seq);

describe('hashRecord', () => {
  it('is SHA-256 hex over the previous hash and the canonical form', () => {
    const hash = hashRecord(GENESIS_HASH, 1, fields(1));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRecord(GENESIS_HASH, 1, fields(1))).toBe(hash);
  });

  it('changes with the link, the seq and every column', () => {
    const base = hashRecord(GENESIS_HASH, 1, fields(1));
    expect(hashRecord('1'.repeat(64), 1, fields(1))).not.toBe(base);
    expect(hashRecord(GENESIS_HASH, 2, fields(1))).not.toBe(base);
    for (const key of ['id', 'recorded', 'patient', 'agent', 'action', 'content'] as const) {
      expect(hashRecord(GENESIS_HASH, 1, fields(1, { [key]: 'changed' }))).not.toBe(base);
    }
  });

  it('has an unambiguous canonical form (null differs from "null", field boundaries are kept)', () => {
    expect(canonicalRecord(1, fields(1, { patient: null }))).not.toBe(
      canonicalRecord(1, fields(1, { patient: 'null' })),
    );
    expect(canonicalRecord(1, fields(1, { agent: 'a', action: 'bc' }))).not.toBe(
      canonicalRecord(1, fields(1, { agent: 'ab', action: 'c' })),
    );
  });
});

describe('linkRecords', () => {
  it('numbers from the head and links each record to the one before', () => {
    const first = linkRecords(EMPTY_HEAD, [fields(1), fields(2)]);
    expect(first.map((record) => record.seq)).toEqual([1, 2]);
    expect(first[0]!.prevHash).toBe(GENESIS_HASH);
    expect(first[1]!.prevHash).toBe(first[0]!.hash);
    const head = headAfter(EMPTY_HEAD, first);
    const second = linkRecords(head, [fields(3)]);
    expect(second[0]).toMatchObject({ seq: 3, prevHash: first[1]!.hash });
    expect(headAfter(head, [])).toEqual(head);
  });

  it('builds in batches exactly the chain it builds at once', () => {
    const whole = linkRecords(
      EMPTY_HEAD,
      [1, 2, 3, 4].map((n) => fields(n)),
    );
    const part = linkRecords(EMPTY_HEAD, [fields(1)]);
    const rest = linkRecords(
      headAfter(EMPTY_HEAD, part),
      [2, 3, 4].map((n) => fields(n)),
    );
    expect([...part, ...rest]).toEqual(whole);
  });
});

describe('verifyChain: intact', () => {
  it('accepts an empty chain with the genesis head', async () => {
    expect(await verifyChain([], EMPTY_HEAD)).toEqual({ ok: true, count: 0 });
  });

  it('accepts an intact chain whatever the page size', async () => {
    const { records, head } = chain(10);
    for (const size of [1, 3, 10, 50]) {
      expect(await verifyChain(paged(records, size), head)).toEqual({ ok: true, count: 10 });
    }
  });

  it('reads async pages', async () => {
    const { records, head } = chain(5);
    async function* pages() {
      yield records.slice(0, 2);
      yield [];
      yield records.slice(2);
    }
    expect(await verifyChain(pages(), head)).toEqual({ ok: true, count: 5 });
  });
});

describe('verifyChain: altered', () => {
  it('names a record whose content changed', async () => {
    const { records, head } = chain(10);
    const tampered = records.map((r) => (r.seq === 4 ? { ...r, content: '{"forged":true}' } : r));
    expect(await verifyChain(paged(tampered), head)).toMatchObject({
      ok: false,
      seq: 4,
      id: at(records, 4).id,
      problem: 'altered',
    });
  });

  it('names a record whose indexed column (patient) changed', async () => {
    const { records, head } = chain(10);
    const tampered = records.map((r) => (r.seq === 7 ? { ...r, patient: 'Patient/other' } : r));
    expect(await verifyChain(paged(tampered), head)).toMatchObject({ ok: false, seq: 7, problem: 'altered' });
  });

  it('names a record altered and re-hashed (its successor no longer links to it)', async () => {
    const { records, head } = chain(10);
    const tampered = records.map((r) => (r.seq === 5 ? rehash({ ...r, action: 'D' }) : r));
    expect(await verifyChain(paged(tampered), head)).toMatchObject({ ok: false, seq: 5, problem: 'altered' });
  });

  it('names the newest record altered and re-hashed (it no longer matches the head)', async () => {
    const { records, head } = chain(10);
    const tampered = records.map((r) => (r.seq === 10 ? rehash({ ...r, agent: 'Practitioner/2' }) : r));
    expect(await verifyChain(paged(tampered), head)).toMatchObject({
      ok: false,
      seq: 10,
      problem: 'altered',
    });
  });

  it('names a first record that does not start from the genesis value', async () => {
    const { records, head } = chain(3);
    const tampered = records.map((r) => (r.seq === 1 ? rehash({ ...r, prevHash: 'f'.repeat(64) }) : r));
    expect(await verifyChain(paged(tampered), head)).toMatchObject({ ok: false, seq: 1, problem: 'altered' });
  });

  it('names a record whose stored hash was replaced', async () => {
    const { records, head } = chain(6);
    const tampered = records.map((r) => (r.seq === 2 ? { ...r, hash: 'a'.repeat(64) } : r));
    expect(await verifyChain(paged(tampered), head)).toMatchObject({ ok: false, seq: 2, problem: 'altered' });
  });
});

describe('verifyChain: deleted', () => {
  it('names the first missing seq of a gap in the middle', async () => {
    const { records, head } = chain(10);
    const result = await verifyChain(paged(records.filter((r) => r.seq !== 6)), head);
    expect(result).toMatchObject({ ok: false, seq: 6, id: null, problem: 'deleted' });
    expect(!result.ok && result.detail).toContain('record 6 is missing');
  });

  it('names the first of several deleted records', async () => {
    const { records, head } = chain(10);
    const result = await verifyChain(paged(records.filter((r) => r.seq < 3 || r.seq > 5)), head);
    expect(result).toMatchObject({ ok: false, seq: 3, problem: 'deleted' });
    expect(!result.ok && result.detail).toContain('records 3..5 are missing');
  });

  it('names a deleted first record', async () => {
    const { records, head } = chain(4);
    expect(await verifyChain(paged(records.slice(1)), head)).toMatchObject({
      ok: false,
      seq: 1,
      problem: 'deleted',
    });
  });

  it('names a deletion hidden by renumbering the later records', async () => {
    const { records, head } = chain(10);
    const tampered = renumber(
      records.filter((r) => r.seq !== 4),
      5,
      -1,
    );
    expect(await verifyChain(paged(tampered), head)).toMatchObject({
      ok: false,
      seq: 4,
      id: null,
      problem: 'deleted',
    });
  });

  it('names two deletions hidden by renumbering', async () => {
    const { records, head } = chain(10);
    const tampered = renumber(
      records.filter((r) => r.seq !== 4 && r.seq !== 5),
      6,
      -2,
    );
    const result = await verifyChain(paged(tampered), head);
    expect(result).toMatchObject({ ok: false, seq: 4, problem: 'deleted' });
    expect(!result.ok && result.detail).toContain('2 records were removed');
  });

  it('names a truncated tail: the head still names the removed newest record', async () => {
    const { records, head } = chain(10);
    const result = await verifyChain(paged(records.slice(0, 8)), head);
    expect(result).toMatchObject({ ok: false, seq: 9, id: null, problem: 'deleted' });
    expect(!result.ok && result.detail).toContain('truncated');
  });

  it('names an emptied chain', async () => {
    const { head } = chain(3);
    expect(await verifyChain([], head)).toMatchObject({ ok: false, seq: 1, problem: 'deleted' });
  });
});

describe('verifyChain: inserted', () => {
  /** A forged record placed at `seq` with a correct link and hash, the rest renumbered up. */
  function insertForged(records: ChainRecord[], seq: number, options: { validHash: boolean }) {
    const before = at(records, seq - 1);
    const forgedFields = fields(99, { content: '{"forged":true}' });
    const forged: ChainRecord = {
      ...forgedFields,
      seq,
      prevHash: before?.hash ?? GENESIS_HASH,
      hash: options.validHash ? hashRecord(before?.hash ?? GENESIS_HASH, seq, forgedFields) : 'b'.repeat(64),
    };
    return { forged, records: sorted([...renumber(records, seq, 1), forged]) };
  }

  it('names a forged record with a valid link and hash in the middle', async () => {
    const { records, head } = chain(10);
    const { forged, records: tampered } = insertForged(records, 5, { validHash: true });
    expect(await verifyChain(paged(tampered), head)).toMatchObject({
      ok: false,
      seq: 5,
      id: forged.id,
      problem: 'inserted',
    });
  });

  it('names a forged record with a made-up hash in the middle', async () => {
    const { records, head } = chain(10);
    const { forged, records: tampered } = insertForged(records, 5, { validHash: false });
    expect(await verifyChain(paged(tampered), head)).toMatchObject({
      ok: false,
      seq: 5,
      id: forged.id,
      problem: 'inserted',
    });
  });

  it('names a forged first record', async () => {
    const { records, head } = chain(5);
    const { forged, records: tampered } = insertForged(records, 1, { validHash: true });
    expect(await verifyChain(paged(tampered), head)).toMatchObject({
      ok: false,
      seq: 1,
      id: forged.id,
      problem: 'inserted',
    });
  });

  it('names a forged record whose successor was renumbered and re-hashed (it links past the forgery)', async () => {
    const { records, head } = chain(10);
    const { forged, records: inserted } = insertForged(records, 5, { validHash: true });
    const tampered = inserted.map((r) => (r.seq === 6 ? rehash(r) : r));
    expect(await verifyChain(paged(tampered), head)).toMatchObject({
      ok: false,
      seq: 5,
      id: forged.id,
      problem: 'inserted',
    });
  });

  it('names a record appended beyond the head', async () => {
    const { records, head } = chain(5);
    const [extra] = linkRecords(head, [fields(6)]);
    expect(await verifyChain(paged([...records, extra!]), head)).toMatchObject({
      ok: false,
      seq: 6,
      problem: 'inserted',
    });
  });
});

describe('verifyChain: reordered', () => {
  const swap = (records: ChainRecord[], a: number, b: number) =>
    sorted(records.map((r) => (r.seq === a ? { ...r, seq: b } : r.seq === b ? { ...r, seq: a } : r)));

  it('names two neighbours that swapped places', async () => {
    const { records, head } = chain(10);
    expect(await verifyChain(paged(swap(records, 4, 5)), head)).toMatchObject({
      ok: false,
      seq: 4,
      problem: 'reordered',
    });
  });

  it('names two distant records that swapped places', async () => {
    const { records, head } = chain(20);
    const result = await verifyChain(paged(swap(records, 3, 12)), head);
    expect(result).toMatchObject({ ok: false, seq: 3, id: at(records, 12).id, problem: 'reordered' });
    expect(!result.ok && result.detail).toContain('written as seq 12');
  });

  it('names records delivered out of seq order', async () => {
    const { records, head } = chain(5);
    const shuffled = [records[0]!, records[2]!, records[1]!, records[3]!, records[4]!];
    const result = await verifyChain([shuffled], head);
    expect(result.ok).toBe(false);
  });
});

describe('verifyChain: limits', () => {
  it('cannot see a suffix rewritten from a record onward when the head is rewritten too', async () => {
    // Documented limit: the chain proves integrity relative to the head; whoever can rewrite
    // both (a database superuser) can forge history from any point. Anchor the head elsewhere.
    const { records } = chain(6);
    const kept = records.slice(0, 3);
    const forged = linkRecords(headAfter(EMPTY_HEAD, kept), [fields(40), fields(41)]);
    const rewritten = [...kept, ...forged];
    expect(await verifyChain(paged(rewritten), headAfter(EMPTY_HEAD, rewritten))).toEqual({
      ok: true,
      count: 5,
    });
  });
});
