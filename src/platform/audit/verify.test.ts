import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../test/databases.js';
import {
  asSuperuser,
  newTrail,
  readOf,
  resetAuditTrail,
  VERIFY,
  writeSequentially,
} from '../../../test/support/platform/audit.js';
import { deriveAuditKeys } from './audit-keys.js';
import { type ChainFields, hashRecord, keyedLink } from './chain.js';
import { runAuditVerify, verifyAuditTrail } from './verify.js';

const FORGED_ID = '00000000-0000-4000-8000-00000000f0f0';
const ATTACKER_KEYS = deriveAuditKeys(Buffer.alloc(32, 0xee));

describe.each(databaseKinds)('audit verify on %s', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(() => t?.dispose());

  beforeEach(async () => {
    await resetAuditTrail(t.db);
    const { trail } = newTrail(t.db);
    // Twenty records over several transactions: five alone, then fifteen batched.
    await writeSequentially(trail, 5);
    await Promise.all(Array.from({ length: 15 }, (_, n) => trail.record(readOf(`Patient/p${n % 3}`, n))));
  });

  async function verifyLine(): Promise<{ code: number; line: string }> {
    const lines: string[] = [];
    const code = await runAuditVerify(t.db, (line) => lines.push(line), VERIFY);
    // Broken: one line. Intact: the summary, then one line per chain.
    expect(lines).toHaveLength(code === 0 ? 1 + (await chainCount()) : 1);
    return { code, line: lines[0]! };
  }

  async function chainCount(): Promise<number> {
    return Number((await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_chain')).rows[0]!.n);
  }

  async function idAt(seq: number): Promise<string> {
    return (await t.db.query<{ id: string }>('SELECT id FROM audit_event WHERE seq = $1', [seq])).rows[0]!.id;
  }

  /**
   * A record an attacker with the database and the source code would write: linked to `seq - 1`
   * and hashed with the product's own link function, under a key of their own (not the service's).
   */
  async function forgedAt(seq: number) {
    const previous = await t.db.query<{ hash: string; chain: string }>(
      'SELECT hash, chain FROM audit_event WHERE seq = $1',
      [seq - 1],
    );
    const { hash: prevHash, chain } = previous.rows[0]!;
    const fields: ChainFields = {
      id: FORGED_ID,
      recorded: '2025-01-01T00:00:00.000Z',
      patient: 'Patient/p1',
      agent: 'Practitioner/forger',
      action: 'R',
      content: '{"resourceType":"AuditEvent"}',
    };
    const hash = keyedLink(ATTACKER_KEYS.link, chain)(prevHash, seq, fields);
    return [
      `INSERT INTO audit_event (chain, seq, id, recorded, patient, agent, action, content, prev_hash, hash)
       VALUES ($10, $1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        seq,
        fields.id,
        fields.recorded,
        fields.patient,
        fields.agent,
        fields.action,
        fields.content,
        prevHash,
        hash,
        chain,
      ],
    ] as [string, unknown[]];
  }

  it('reports an intact chain and exits 0', async () => {
    expect(await verifyAuditTrail(t.db, VERIFY)).toEqual({ ok: true, count: 20 });
    expect(await verifyAuditTrail(t.db, { ...VERIFY, pageSize: 3 })).toEqual({ ok: true, count: 20 });
    expect(await verifyLine()).toEqual({ code: 0, line: 'audit chain intact: 20 records' });
  });

  it('reports an empty trail as intact', async () => {
    await resetAuditTrail(t.db);
    expect(await verifyLine()).toEqual({ code: 0, line: 'audit chain intact: 0 records' });
  });

  it('names an altered record', async () => {
    const id = await idAt(7);
    await asSuperuser(t.db, [["UPDATE audit_event SET patient = 'Patient/someone-else' WHERE seq = 7"]]);
    const { code, line } = await verifyLine();
    expect(code).toBe(1);
    expect(line).toMatch(new RegExp(`^audit chain broken at seq 7 \\(id ${id}\\): altered`));
  });

  it('names an altered record whose content was rewritten with a recomputed hash', async () => {
    const row = (await t.db.query<Record<string, unknown>>('SELECT * FROM audit_event WHERE seq = 12'))
      .rows[0]!;
    const fields: ChainFields = {
      id: String(row.id),
      recorded: new Date(row.recorded as string).toISOString(),
      patient: row.patient as string,
      agent: 'Practitioner/innocent',
      action: String(row.action),
      content: String(row.content),
    };
    const hash = hashRecord(String(row.prev_hash), 12, fields);
    await asSuperuser(t.db, [
      ["UPDATE audit_event SET agent = 'Practitioner/innocent', hash = $1 WHERE seq = 12", [hash]],
    ]);
    expect(await verifyAuditTrail(t.db, VERIFY)).toMatchObject({ ok: false, seq: 12, problem: 'altered' });
  });

  it('names a record inserted in the middle (later records renumbered)', async () => {
    await asSuperuser(t.db, [
      ['UPDATE audit_event SET seq = seq + 1000 WHERE seq >= 10'],
      ['UPDATE audit_event SET seq = seq - 999 WHERE seq >= 1010'],
      await forgedAt(10),
    ]);
    const { code, line } = await verifyLine();
    expect(code).toBe(1);
    expect(line).toMatch(new RegExp(`^audit chain broken at seq 10 \\(id ${FORGED_ID}\\): inserted`));
  });

  it('names a record appended beyond the head', async () => {
    await asSuperuser(t.db, [await forgedAt(21)]);
    expect(await verifyAuditTrail(t.db, VERIFY)).toMatchObject({
      ok: false,
      seq: 21,
      id: FORGED_ID,
      problem: 'inserted',
    });
  });

  it('names a record deleted from the middle', async () => {
    await asSuperuser(t.db, [['DELETE FROM audit_event WHERE seq = 8']]);
    const { code, line } = await verifyLine();
    expect(code).toBe(1);
    expect(line).toMatch(/^audit chain broken at seq 8: deleted: record 8 is missing/);
  });

  it('names a deletion hidden by renumbering the later records', async () => {
    await asSuperuser(t.db, [
      ['DELETE FROM audit_event WHERE seq = 8'],
      ['UPDATE audit_event SET seq = seq + 1000 WHERE seq > 8'],
      ['UPDATE audit_event SET seq = seq - 1001 WHERE seq > 1000'],
    ]);
    expect(await verifyAuditTrail(t.db, VERIFY)).toMatchObject({ ok: false, seq: 8, problem: 'deleted' });
  });

  it('names the newest records deleted (truncated tail)', async () => {
    await asSuperuser(t.db, [['DELETE FROM audit_event WHERE seq >= 19']]);
    const { code, line } = await verifyLine();
    expect(code).toBe(1);
    expect(line).toMatch(/^audit chain broken at seq 19: deleted: .*truncated/);
  });

  it('names a removed head', async () => {
    await asSuperuser(t.db, [['DELETE FROM audit_chain']]);
    expect(await verifyAuditTrail(t.db, VERIFY)).toMatchObject({ ok: false, problem: 'deleted' });
  });

  it('stays intact while writers keep appending during the walk', async () => {
    const { trail } = newTrail(t.db);
    const writing = Array.from({ length: 300 }, (_, n) => trail.record(readOf('Patient/p1', n)));
    const results = await Promise.all([
      verifyAuditTrail(t.db, { ...VERIFY, pageSize: 4 }),
      verifyAuditTrail(t.db, { ...VERIFY, pageSize: 50 }),
    ]);
    await Promise.all(writing);
    for (const result of results) expect(result.ok).toBe(true);
    expect(await verifyAuditTrail(t.db, VERIFY)).toEqual({ ok: true, count: 320 });
  });
});
