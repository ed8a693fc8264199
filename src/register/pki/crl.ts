/**
 * The issuing CA's CRL: re-signed in the transaction of every revocation, and again whenever half
 * of its validity has passed (so a fetched CRL is never past its nextUpdate). One row per issuing
 * CA; an advisory lock per CA serialises the re-signing, so CRL numbers only grow.
 */
import type { Database, Queryable } from '../../platform/database/database.js';
import type { CertificateAuthority, CrlEntry } from './authority.js';
import { wholeSeconds } from './ca-generate.js';
import { CRL_REASON_CODES, isRevocationReason } from './revocation.js';

const CRL_LOCK_NAMESPACE = 7_301_072;
const HOUR_MS = 3600 * 1000;

export interface CrlSettings {
  validityHours: number;
  now?: () => Date;
}

export interface StoredCrl {
  der: Uint8Array;
  thisUpdate: Date;
  nextUpdate: Date;
  crlNumber: number;
}

interface CrlRow {
  der: Uint8Array;
  this_update: Date | string;
  next_update: Date | string;
  crl_number: number | string;
}

const toStored = (row: CrlRow): StoredCrl => ({
  der: new Uint8Array(row.der),
  thisUpdate: new Date(row.this_update),
  nextUpdate: new Date(row.next_update),
  crlNumber: Number(row.crl_number),
});

/** Takes the CA's CRL lock for the rest of the transaction. */
export async function lockCrl(tx: Queryable, authority: CertificateAuthority): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [CRL_LOCK_NAMESPACE, authority.keyId]);
}

async function readCrl(q: Queryable, authority: CertificateAuthority): Promise<StoredCrl | undefined> {
  const result = await q.query<CrlRow>(
    'SELECT der, this_update, next_update, crl_number FROM pki_crl WHERE issuer_key_id = $1',
    [authority.keyId],
  );
  return result.rows[0] ? toStored(result.rows[0]) : undefined;
}

/** Signs a new CRL of every certificate this CA issued that is revoked. Call with lockCrl held. */
export async function resignCrl(
  tx: Queryable,
  authority: CertificateAuthority,
  settings: CrlSettings,
): Promise<StoredCrl> {
  const previous = await readCrl(tx, authority);
  const revoked = await tx.query<{
    serial_number: string;
    revoked_at: Date | string;
    revocation_reason: string;
  }>(
    `SELECT serial_number, revoked_at, revocation_reason FROM pki_certificate
     WHERE issuer_key_id = $1 AND revoked_at IS NOT NULL ORDER BY revoked_at, serial_number`,
    [authority.keyId],
  );
  const entries: CrlEntry[] = revoked.rows.map((row) => {
    const reason = isRevocationReason(row.revocation_reason) ? row.revocation_reason : 'unspecified';
    return {
      serialNumber: row.serial_number,
      revokedAt: new Date(row.revoked_at),
      ...(reason === 'unspecified' ? {} : { reasonCode: CRL_REASON_CODES[reason] }),
    };
  });
  const thisUpdate = wholeSeconds((settings.now ?? (() => new Date()))());
  const nextUpdate = new Date(thisUpdate.getTime() + settings.validityHours * HOUR_MS);
  const crlNumber = (previous?.crlNumber ?? 0) + 1;
  const crl = await authority.signCrl({ entries, crlNumber, thisUpdate, nextUpdate });
  const der = new Uint8Array(crl.rawData);
  await tx.query(
    `INSERT INTO pki_crl (issuer_key_id, crl_number, this_update, next_update, der) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (issuer_key_id) DO UPDATE SET crl_number = EXCLUDED.crl_number,
       this_update = EXCLUDED.this_update, next_update = EXCLUDED.next_update, der = EXCLUDED.der`,
    [authority.keyId, crlNumber, thisUpdate, nextUpdate, Buffer.from(der)],
  );
  return { der, thisUpdate, nextUpdate, crlNumber };
}

function due(crl: StoredCrl | undefined, now: Date): boolean {
  if (!crl) return true;
  const half = (crl.nextUpdate.getTime() - crl.thisUpdate.getTime()) / 2;
  return now.getTime() >= crl.thisUpdate.getTime() + half;
}

/** The CRL to serve: the stored one, or a freshly signed one when it is missing or half-way stale. */
export async function currentCrl(
  db: Database,
  authority: CertificateAuthority,
  settings: CrlSettings,
): Promise<StoredCrl> {
  const now = (settings.now ?? (() => new Date()))();
  const stored = await readCrl(db, authority);
  if (stored && !due(stored, now)) return stored;
  return db.transaction(async (tx) => {
    await lockCrl(tx, authority);
    // Another request or replica may have re-signed it while this one waited for the lock.
    const again = await readCrl(tx, authority);
    if (again && !due(again, now)) return again;
    return resignCrl(tx, authority, settings);
  });
}
