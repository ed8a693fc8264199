/**
 * What someone with database superuser rights and the source code, but not the service's secret
 * key, can do to the audit trail, and what `audit verify` says: keyed links catch a rewritten
 * record even with its link and head recomputed; the signed checkpoint outside the database
 * catches a chain cut back (or removed) to an intact but shorter one.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../test/databases.js';
import {
  asSuperuser,
  newTrail,
  readOf,
  resetAuditTrail,
  TEST_AUDIT_KEYS,
  VERIFY,
  writeSequentially,
} from '../../../test/support/platform/audit.js';
import { type AuditKeys, deriveAuditKeys } from './audit-keys.js';
import type { ChainFields } from './chain.js';
import { hashRecord, keyedLink } from './record-hash.js';
import type { AuditTrail } from './trail.js';
import { runAuditVerify, verifyAuditTrail } from './verify.js';

const ATTACKER_KEYS = deriveAuditKeys(Buffer.alloc(32, 0xee));

describe.each(databaseKinds)('audit trail against an attacker without the key, on %s', (kind) => {
  let t: TestDatabase;
  let dir: string;
  let checkpointFile: string;
  let trail: AuditTrail;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
    dir = mkdtempSync(path.join(os.tmpdir(), 'pathways-audit-checkpoint-'));
  });
  afterAll(async () => {
    await t?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await resetAuditTrail(t.db);
    checkpointFile = path.join(dir, `${Math.random().toString(36).slice(2)}`, 'checkpoint.json');
    trail = newTrail(t.db, { checkpointFile }).trail;
    await writeSequentially(trail, 4);
    await Promise.all(Array.from({ length: 8 }, (_, n) => trail.record(readOf(`Patient/p${n % 2}`, n))));
    await trail.checkpoint();
  });

  const withCheckpoint = () => ({ ...VERIFY, checkpointFile });

  async function newest(chain: string) {
    const row = (
      await t.db.query<Record<string, unknown>>(
        'SELECT * FROM audit_event WHERE chain = $1 ORDER BY seq DESC LIMIT 1',
        [chain],
      )
    ).rows[0]!;
    const fields: ChainFields = {
      id: String(row.id),
      recorded: new Date(row.recorded as string).toISOString(),
      patient: row.patient as string | null,
      agent: row.agent as string | null,
      action: String(row.action),
      content: String(row.content),
    };
    return { seq: Number(row.seq), prevHash: String(row.prev_hash), fields };
  }

  /** Rewrites the newest record's outcome, recomputes its link with `keys` and moves the head to it. */
  async function rewriteNewest(keys: AuditKeys | 'sha256') {
    const record = await newest(trail.chain);
    const content = JSON.parse(record.fields.content);
    content.outcome = '8';
    const fields = { ...record.fields, content: JSON.stringify(content) };
    const hash =
      keys === 'sha256'
        ? hashRecord(record.prevHash, record.seq, fields)
        : keyedLink(keys.link, trail.chain)(record.prevHash, record.seq, fields);
    await asSuperuser(t.db, [
      [
        'UPDATE audit_event SET content = $1, hash = $2 WHERE chain = $3 AND seq = $4',
        [fields.content, hash, trail.chain, record.seq],
      ],
      ['UPDATE audit_chain SET hash = $1 WHERE chain = $2', [hash, trail.chain]],
    ]);
    return record.seq;
  }

  it('writes a checkpoint naming the chain head, outside the database', async () => {
    const checkpoint = JSON.parse(readFileSync(checkpointFile, 'utf8'));
    const head = (await t.db.query('SELECT chain, seq, hash FROM audit_chain')).rows;
    expect(checkpoint.heads).toEqual(head.map((row) => ({ ...row, seq: Number(row.seq) })));
    expect(checkpoint.heads[0]).toMatchObject({ chain: trail.chain, seq: 12 });
    expect(await verifyAuditTrail(t.db, withCheckpoint())).toEqual({ ok: true, count: 12 });
  });

  it('catches the newest record rewritten with its link and head recomputed (SHA-256 or a key of their own)', async () => {
    for (const keys of ['sha256', ATTACKER_KEYS] as const) {
      const seq = await rewriteNewest(keys);
      for (const options of [VERIFY, withCheckpoint()]) {
        expect(await verifyAuditTrail(t.db, options)).toMatchObject({
          ok: false,
          chain: trail.chain,
          seq,
          problem: 'altered',
        });
      }
    }
    const lines: string[] = [];
    expect(await runAuditVerify(t.db, (line) => lines.push(line), withCheckpoint())).toBe(1);
    expect(lines).toEqual([
      expect.stringMatching(/^audit chain broken at seq 12 \(id [0-9a-f-]+\): altered/),
    ]);
  });

  it('catches the same rewrite made with the real key through the checkpoint', async () => {
    const seq = await rewriteNewest(TEST_AUDIT_KEYS);
    // Links alone cannot tell: whoever holds the key can rewrite a chain.
    expect(await verifyAuditTrail(t.db, VERIFY)).toEqual({ ok: true, count: 12 });
    expect(await verifyAuditTrail(t.db, withCheckpoint())).toMatchObject({
      ok: false,
      seq,
      problem: 'altered',
    });
  });

  it('catches a chain cut back to an older record, head and all', async () => {
    const kept = (
      await t.db.query<{ hash: string }>('SELECT hash FROM audit_event WHERE chain = $1 AND seq = 9', [
        trail.chain,
      ])
    ).rows[0]!.hash;
    await asSuperuser(t.db, [
      ['DELETE FROM audit_event WHERE chain = $1 AND seq > 9', [trail.chain]],
      ['UPDATE audit_chain SET seq = 9, hash = $1 WHERE chain = $2', [kept, trail.chain]],
    ]);
    // An intact, shorter chain: only the checkpoint knows it was longer.
    expect(await verifyAuditTrail(t.db, VERIFY)).toEqual({ ok: true, count: 9 });
    expect(await verifyAuditTrail(t.db, withCheckpoint())).toMatchObject({
      ok: false,
      chain: trail.chain,
      seq: 10,
      problem: 'deleted',
    });
    // A later checkpoint does not move the head back: the evidence stays.
    await newTrail(t.db, { checkpointFile }).trail.checkpoint();
    expect(JSON.parse(readFileSync(checkpointFile, 'utf8')).heads).toContainEqual(
      expect.objectContaining({ chain: trail.chain, seq: 12 }),
    );
    expect(await verifyAuditTrail(t.db, withCheckpoint())).toMatchObject({
      ok: false,
      seq: 10,
      problem: 'deleted',
    });
  });

  it('catches a whole chain removed', async () => {
    await asSuperuser(t.db, [['DELETE FROM audit_event'], ['DELETE FROM audit_chain']]);
    expect(await verifyAuditTrail(t.db, VERIFY)).toEqual({ ok: true, count: 0 });
    expect(await verifyAuditTrail(t.db, withCheckpoint())).toMatchObject({
      ok: false,
      chain: trail.chain,
      problem: 'deleted',
    });
  });

  it('refuses a checkpoint file that was edited', async () => {
    const checkpoint = JSON.parse(readFileSync(checkpointFile, 'utf8'));
    checkpoint.heads[0].seq = 3;
    writeFileSync(checkpointFile, JSON.stringify(checkpoint));
    expect(await verifyAuditTrail(t.db, withCheckpoint())).toMatchObject({ ok: false, problem: 'altered' });
  });

  it('lists every writer’s chain, each verified on its own', async () => {
    const other = newTrail(t.db, { site: 'replica-b', checkpointFile }).trail;
    await writeSequentially(other, 3);
    await other.close();
    const lines: string[] = [];
    expect(await runAuditVerify(t.db, (line) => lines.push(line), withCheckpoint())).toBe(0);
    expect(lines[0]).toBe('audit chain intact: 15 records');
    expect(lines.slice(1, 3).sort()).toEqual(
      [`  chain ${trail.chain}: 12 records`, `  chain ${other.chain}: 3 records`].sort(),
    );
    expect(lines[3]).toMatch(/^ {2}checkpoint of .*: 2 chain heads, all present$/);
    expect(other.chain).toMatch(/^replica-b\.[0-9a-f]{12}$/);
  });

  it('verifies the records written before chains were keyed as the legacy chain (SHA-256 links)', async () => {
    const fields = (n: number): ChainFields => ({
      id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      recorded: '2025-01-01T00:00:00.000Z',
      patient: 'Patient/p1',
      agent: 'Practitioner/pr1',
      action: 'R',
      content: `{"resourceType":"AuditEvent","n":${n}}`,
    });
    const first = hashRecord('0'.repeat(64), 1, fields(1));
    const second = hashRecord(first, 2, fields(2));
    const insert = (seq: number, prev: string, hash: string): [string, unknown[]] => [
      `INSERT INTO audit_event (chain, seq, id, recorded, patient, agent, action, content, prev_hash, hash)
       VALUES ('legacy', $1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [seq, ...Object.values(fields(seq)), prev, hash],
    ];
    await asSuperuser(t.db, [
      insert(1, '0'.repeat(64), first),
      insert(2, first, second),
      ["INSERT INTO audit_chain (chain, seq, hash) VALUES ('legacy', 2, $1)", [second]],
    ]);
    expect(await verifyAuditTrail(t.db, VERIFY)).toEqual({ ok: true, count: 14 });
    await trail.checkpoint();
    expect(await verifyAuditTrail(t.db, withCheckpoint())).toEqual({ ok: true, count: 14 });
    await asSuperuser(t.db, [
      ["UPDATE audit_event SET agent = 'Practitioner/x' WHERE chain = 'legacy' AND seq = 1"],
    ]);
    expect(await verifyAuditTrail(t.db, VERIFY)).toMatchObject({ ok: false, chain: 'legacy', seq: 1 });
  });
});
