import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../test/databases.js';
import { CODE_MAX_TRIES, CODE_TTL_MS, deriveCodeKey } from './code-rules.js';
import { attemptCode, dropCodes, issueCode, spendCode } from './one-time-codes.js';

describe.each(databaseKinds)('one-time codes on %s', (kind) => {
  let t: TestDatabase;
  const key = deriveCodeKey(randomBytes(32));
  const now = new Date();
  const later = (ms: number) => new Date(now.getTime() + ms);
  let n = 0;
  const ref = () => ({ subject: `registration:${++n}`, purpose: 'email' });
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(() => t?.dispose());

  async function issued(r: { subject: string; purpose: string }, maxSends = 3, at = now) {
    const result = await issueCode(t.db, key, r, { now: at, maxSends });
    if ('limited' in result) throw new Error('limited');
    return result.code;
  }

  it('stores only a MAC; the right code passes once it is spent, and is then used', async () => {
    const r = ref();
    const code = await issued(r);
    const row = await t.db.query<{ code_mac: string }>('SELECT * FROM one_time_code WHERE subject = $1', [
      r.subject,
    ]);
    expect(JSON.stringify(row.rows)).not.toContain(code);
    expect(await attemptCode(t.db, key, r, code, now)).toBe('ok');
    expect(await spendCode(t.db, key, r, code, now)).toBe(true);
    expect(await spendCode(t.db, key, r, code, now)).toBe(false);
    expect(await attemptCode(t.db, key, r, code, now)).toBe('used');
  });

  it('allows 5 tries in all, the right code included; then even the right code fails', async () => {
    const r = ref();
    const code = await issued(r);
    const wrong = code === '000000' ? '000001' : '000000';
    for (let i = 0; i < CODE_MAX_TRIES - 1; i++)
      expect(await attemptCode(t.db, key, r, wrong, now)).toBe('wrong');
    expect(await attemptCode(t.db, key, r, code, now)).toBe('ok');
    expect(await attemptCode(t.db, key, r, code, now)).toBe('exhausted');
  });

  it('counts concurrent guesses exactly', async () => {
    const r = ref();
    const code = await issued(r);
    const wrong = code === '000000' ? '000001' : '000000';
    const verdicts = await Promise.all(
      Array.from({ length: 8 }, () => attemptCode(t.db, key, r, wrong, now)),
    );
    expect(verdicts.filter((v) => v === 'wrong')).toHaveLength(CODE_MAX_TRIES);
    expect(verdicts.filter((v) => v === 'exhausted')).toHaveLength(8 - CODE_MAX_TRIES);
  });

  it('expires after 10 minutes', async () => {
    const r = ref();
    const code = await issued(r);
    expect(await attemptCode(t.db, key, r, code, later(CODE_TTL_MS - 1))).toBe('ok');
    expect(await attemptCode(t.db, key, r, code, later(CODE_TTL_MS))).toBe('expired');
    expect(await spendCode(t.db, key, r, code, later(CODE_TTL_MS))).toBe(false);
    expect(await attemptCode(t.db, key, ref(), code, now)).toBe('none');
  });

  it('replaces a code on re-issue, keeps the tries, and stops at the send limit', async () => {
    const r = ref();
    const first = await issued(r, 2);
    const wrong = first === '000000' ? '000001' : '000000';
    await attemptCode(t.db, key, r, wrong, now);
    const second = await issued(r, 2);
    if (second !== first) expect(await attemptCode(t.db, key, r, first, now)).toBe('wrong');
    const tries = await t.db.query<{ tries: number }>('SELECT tries FROM one_time_code WHERE subject = $1', [
      r.subject,
    ]);
    expect(Number(tries.rows[0]!.tries)).toBeGreaterThanOrEqual(1);
    expect(await issueCode(t.db, key, r, { now, maxSends: 2 })).toEqual({ limited: true });
    expect(await attemptCode(t.db, key, r, second, now)).toBe('ok');
    // A code is bound to its subject and purpose.
    expect(await attemptCode(t.db, key, { ...r, purpose: 'mobile' }, second, now)).toBe('none');
    await dropCodes(t.db, r.subject);
    expect(await attemptCode(t.db, key, r, second, now)).toBe('none');
  });

  it('sweeps codes a day after they expired', async () => {
    const old = ref();
    await issued(old, 1, new Date(now.getTime() - 2 * 24 * 3600_000));
    await issued(ref());
    const left = await t.db.query('SELECT 1 FROM one_time_code WHERE subject = $1', [old.subject]);
    expect(left.rowCount).toBe(0);
  });
});
