/**
 * One-time codes in the database (`one_time_code`), shared by enrolment (registration:<id>) and
 * SMS sign-in (login:<id>). The code itself exists only in memory and in the message sent; the row
 * holds its HMAC (code-rules.ts). Every attempt reserves a try atomically before comparing, so
 * concurrent guesses cannot exceed the limit.
 */
import type { Queryable } from '../../platform/database/database.js';
import {
  CODE_MAX_TRIES,
  CODE_TTL_MS,
  type CodeKey,
  type CodeVerdict,
  codeMac,
  generateCode,
  judgeCode,
} from './code-rules.js';

/** Expired codes are kept a day (so a late attempt is still told apart from a guess), then swept. */
const RETENTION_MS = 24 * 3600_000;

export interface CodeRef {
  subject: string;
  purpose: string;
}

/**
 * A fresh code for `ref` (replacing any earlier one, keeping its try count), or `limited` when
 * `maxSends` codes were already issued for it.
 */
export async function issueCode(
  q: Queryable,
  key: CodeKey,
  ref: CodeRef,
  options: { now: Date; maxSends: number },
): Promise<{ code: string } | { limited: true }> {
  const { now } = options;
  await q.query('DELETE FROM one_time_code WHERE expires_at < $1::timestamptz', [
    new Date(now.getTime() - RETENTION_MS).toISOString(),
  ]);
  const code = generateCode();
  const issued = await q.query(
    `INSERT INTO one_time_code (subject, purpose, code_mac, expires_at, created_at)
     VALUES ($1, $2, $3, $4::timestamptz, $5::timestamptz)
     ON CONFLICT (subject, purpose) DO UPDATE SET
       code_mac = EXCLUDED.code_mac, expires_at = EXCLUDED.expires_at, used_at = NULL,
       sent_count = one_time_code.sent_count + 1, created_at = EXCLUDED.created_at
     WHERE one_time_code.sent_count < $6
     RETURNING sent_count`,
    [
      ref.subject,
      ref.purpose,
      codeMac(key, ref.subject, ref.purpose, code),
      new Date(now.getTime() + CODE_TTL_MS).toISOString(),
      now.toISOString(),
      options.maxSends,
    ],
  );
  return issued.rowCount === 0 ? { limited: true } : { code };
}

type CodeRow = { code_mac: string; expires_at: string | Date; tries: number; used_at: string | Date | null };

const stored = (row: CodeRow) => ({
  codeMac: row.code_mac,
  expiresAt: new Date(row.expires_at),
  tries: Number(row.tries),
  usedAt: row.used_at ? new Date(row.used_at) : undefined,
});

/** One attempt at the code for `ref`: costs a try whatever the outcome. */
export async function attemptCode(
  q: Queryable,
  key: CodeKey,
  ref: CodeRef,
  code: string,
  now: Date,
): Promise<CodeVerdict> {
  const expected = codeMac(key, ref.subject, ref.purpose, code);
  const reserved = await q.query<CodeRow>(
    `UPDATE one_time_code SET tries = tries + 1
     WHERE subject = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3::timestamptz AND tries < $4
     RETURNING code_mac, expires_at, tries - 1 AS tries, used_at`,
    [ref.subject, ref.purpose, now.toISOString(), CODE_MAX_TRIES],
  );
  const row = reserved.rows[0];
  if (row) return judgeCode(stored(row), expected, now);
  const current = await q.query<CodeRow>(
    'SELECT code_mac, expires_at, tries, used_at FROM one_time_code WHERE subject = $1 AND purpose = $2',
    [ref.subject, ref.purpose],
  );
  const found = current.rows[0];
  const verdict = judgeCode(found ? stored(found) : undefined, expected, now);
  // Not reservable but judged live: another attempt took the last try in between.
  return verdict === 'ok' || verdict === 'wrong' ? 'exhausted' : verdict;
}

/**
 * Marks the code used, inside the transaction that completes the step it proves; false when it is
 * no longer live (used by a concurrent request, replaced or expired meanwhile).
 */
export async function spendCode(
  tx: Queryable,
  key: CodeKey,
  ref: CodeRef,
  code: string,
  now: Date,
): Promise<boolean> {
  const result = await tx.query(
    `UPDATE one_time_code SET used_at = $3::timestamptz
     WHERE subject = $1 AND purpose = $2 AND code_mac = $4 AND used_at IS NULL AND expires_at > $3::timestamptz`,
    [ref.subject, ref.purpose, now.toISOString(), codeMac(key, ref.subject, ref.purpose, code)],
  );
  return result.rowCount === 1;
}

export async function dropCodes(q: Queryable, subject: string): Promise<void> {
  await q.query('DELETE FROM one_time_code WHERE subject = $1', [subject]);
}
