/** Helpers shared by the audit suites (not part of the product). */

import type { AuditInput } from '../../../src/platform/audit/audit-event.js';
import { deriveAuditKeys } from '../../../src/platform/audit/audit-keys.js';
import { AuditTrail } from '../../../src/platform/audit/trail.js';
import type { VerifyOptions } from '../../../src/platform/audit/verify.js';
import type { Database, Queryable } from '../../../src/platform/database/database.js';
import { createLogger } from '../../../src/platform/logging/logger.js';
import { createMetricsRegistry } from '../../../src/platform/metrics/metrics.js';

/** The audit keys of the suites (from a fixed secret key; the service derives its own). */
export const TEST_AUDIT_KEYS = deriveAuditKeys(Buffer.alloc(32, 7));

/** What the suites verify with: the same keys, no checkpoint unless given. */
export const VERIFY: VerifyOptions = { keys: TEST_AUDIT_KEYS };

export function newTrail(
  db: Database,
  options: { maxBatch?: number; site?: string; checkpointFile?: string; checkpointIntervalMs?: number } = {},
) {
  const metrics = createMetricsRegistry({ defaults: false });
  const trail = new AuditTrail({
    db,
    log: createLogger({ level: 'silent' }),
    metrics,
    keys: TEST_AUDIT_KEYS,
    ...options,
  });
  return { trail, metrics };
}

export function readOf(patient: string, n = 0): AuditInput {
  return {
    subtype: 'read',
    outcome: '0',
    agent: { reference: 'Practitioner/pr1', roles: ['prescriber'], ip: '127.0.0.1' },
    entity: { reference: `MedicationRequest/mr${n}` },
    patient,
    requestId: `req-${n}`,
  };
}

/** Writes `count` records one transaction each (awaited one by one). */
export async function writeSequentially(trail: AuditTrail, count: number, patient = 'Patient/p1') {
  for (let n = 0; n < count; n++) await trail.record(readOf(patient, n));
}

/**
 * Runs SQL the way an attacker with superuser rights would: replica mode skips ordinary triggers
 * (the append-only guard), as `ALTER TABLE … DISABLE TRIGGER` would.
 */
export async function asSuperuser(db: Database, statements: [string, unknown[]?][]): Promise<void> {
  await db.transaction(async (tx: Queryable) => {
    await tx.query('SET LOCAL session_replication_role = replica');
    for (const [sql, params] of statements) await tx.query(sql, params ?? []);
  });
}

export async function countRows(db: Queryable): Promise<number> {
  const result = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_event');
  return Number(result.rows[0]!.n);
}

/** Empties the trail (as superuser) so suites can share one database between tests. */
export async function resetAuditTrail(db: Database): Promise<void> {
  await asSuperuser(db, [['DELETE FROM audit_event'], ['DELETE FROM audit_chain']]);
}
