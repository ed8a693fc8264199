/**
 * Revokes one of a Practitioner's certificates and re-signs the CRL in the same transaction. The
 * revocation time is now (whole seconds, as the CRL states it, so the CRL and the checker agree).
 * Revoking again changes nothing, except to say the key was compromised after all.
 */
import type { Queryable } from '../../platform/database/database.js';
import { Problem } from '../../platform/errors/problem.js';
import type { CertificateAuthority } from './authority.js';
import { wholeSeconds } from './ca-generate.js';
import { type CrlSettings, lockCrl, resignCrl } from './crl.js';
import { escalates, isRevocationReason, type RevocationReason } from './revocation.js';

export interface RevokeRequest {
  practitionerId: string;
  serialNumber: string;
  reason: RevocationReason;
}

export interface RevokeOutcome {
  serialNumber: string;
  reason: RevocationReason;
  revokedAt: Date;
  /** false when the certificate was already revoked and nothing changed. */
  changed: boolean;
}

export async function revokeCertificate(
  tx: Queryable,
  authority: CertificateAuthority,
  request: RevokeRequest,
  settings: CrlSettings,
): Promise<RevokeOutcome> {
  // The CRL lock first, the row second: every revocation takes them in this order.
  await lockCrl(tx, authority);
  const found = await tx.query<{
    practitioner_id: string;
    revoked_at: Date | string | null;
    revocation_reason: string | null;
  }>(
    'SELECT practitioner_id, revoked_at, revocation_reason FROM pki_certificate WHERE serial_number = $1 FOR UPDATE',
    [request.serialNumber],
  );
  const row = found.rows[0];
  if (!row || row.practitioner_id !== request.practitionerId) {
    throw new Problem(
      'NOT_FOUND',
      `Practitioner/${request.practitionerId} has no certificate with serial number ${request.serialNumber}`,
    );
  }
  const current = isRevocationReason(row.revocation_reason) ? row.revocation_reason : undefined;
  if (row.revoked_at !== null && current) {
    const revokedAt = new Date(row.revoked_at);
    if (!escalates(current, request.reason)) {
      return { serialNumber: request.serialNumber, reason: current, revokedAt, changed: false };
    }
    await tx.query('UPDATE pki_certificate SET revocation_reason = $2 WHERE serial_number = $1', [
      request.serialNumber,
      request.reason,
    ]);
    await resignCrl(tx, authority, settings);
    return { serialNumber: request.serialNumber, reason: request.reason, revokedAt, changed: true };
  }
  const revokedAt = wholeSeconds((settings.now ?? (() => new Date()))());
  await tx.query(
    'UPDATE pki_certificate SET revoked_at = $2, revocation_reason = $3 WHERE serial_number = $1',
    [request.serialNumber, revokedAt, request.reason],
  );
  await resignCrl(tx, authority, settings);
  return { serialNumber: request.serialNumber, reason: request.reason, revokedAt, changed: true };
}
