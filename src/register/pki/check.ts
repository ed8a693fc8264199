/**
 * Is this the certificate of a prescriber, fit to have signed at `sigT`? The leaf must be signed
 * by our issuing CA (the signature is checked), valid at sigT (notBefore ≤ sigT ≤ notAfter, and
 * the CA too), one the register issued (the table, by serial and the same bytes, compared in SQL:
 * one query on the primary key) and not revoked at sigT (revocationVerdict). Only the issuing CA is trusted, so a chain sent along is not needed
 * and not used.
 *
 * What is pure is cached: the leaf's parse and whether this CA signed it, keyed by the CA's key
 * identifier and the leaf's bytes (a checker of another CA never sees the verdict). Nothing that
 * can change is: the register's row (issued, revoked, whose) is read and judged at sigT on every
 * check, so a certificate revoked a moment ago is refused on the next order (HAZ-NO-RIGHT).
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../../platform/database/database.js';
import type { CertificateAuthority } from './authority.js';
import { isRevocationReason, revocationVerdict } from './revocation.js';
import { normaliseSerial } from './serial.js';
import { x509 } from './x509.js';

export type CertificateCheck =
  | { ok: true; practitionerId: string; serialNumber: string }
  | {
      ok: false;
      code: 'CERTIFICATE_NOT_TRUSTED' | 'CERTIFICATE_EXPIRED' | 'CERTIFICATE_REVOKED';
      message: string;
    };

export interface CheckInput {
  leafDer: Uint8Array;
  chainDer?: readonly Uint8Array[];
  sigT: Date;
}

interface Parsed {
  signedByUs: boolean;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
}

const CACHE_SIZE = 10_000;

const notTrusted = (message: string): CertificateCheck => ({
  ok: false,
  code: 'CERTIFICATE_NOT_TRUSTED',
  message,
});

export function createCertificateChecker(authority: CertificateAuthority) {
  const cache = new Map<string, Parsed | undefined>();

  async function parse(leafDer: Uint8Array): Promise<Parsed | undefined> {
    const key = `${authority.keyId}:${createHash('sha256').update(leafDer).digest('base64')}`;
    if (cache.has(key)) return cache.get(key);
    let parsed: Parsed | undefined;
    try {
      const leaf = new x509.X509Certificate(leafDer);
      parsed = {
        signedByUs: await authority.signed(leaf),
        serialNumber: normaliseSerial(leaf.serialNumber) ?? '',
        notBefore: leaf.notBefore,
        notAfter: leaf.notAfter,
      };
    } catch {
      parsed = undefined;
    }
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cache.set(key, parsed);
    return parsed;
  }

  /** Everything judged without the database: the certificate's serial, or why it fails. */
  async function precheck(
    input: CheckInput,
  ): Promise<{ serialNumber: string } | { failure: CertificateCheck }> {
    const sigT = input.sigT;
    if (!(sigT instanceof Date) || Number.isNaN(sigT.getTime()))
      throw new TypeError('sigT must be a valid Date');
    const leaf = await parse(input.leafDer);
    if (!leaf) return { failure: notTrusted('The signing certificate is not an X.509 certificate') };
    if (!leaf.signedByUs) {
      return { failure: notTrusted('The signing certificate was not issued by the Pathways prescriber CA') };
    }
    const t = sigT.getTime();
    if (t < leaf.notBefore.getTime() || t > leaf.notAfter.getTime()) {
      return {
        failure: {
          ok: false,
          code: 'CERTIFICATE_EXPIRED',
          message: `The signing certificate is valid from ${leaf.notBefore.toISOString()} to ${leaf.notAfter.toISOString()}, not at the signing time ${sigT.toISOString()}`,
        },
      };
    }
    const ca = authority.issuing;
    if (t < ca.notBefore.getTime() || t > ca.notAfter.getTime()) {
      return {
        failure: {
          ok: false,
          code: 'CERTIFICATE_EXPIRED',
          message: 'The issuing CA was not valid at the signing time',
        },
      };
    }
    return { serialNumber: leaf.serialNumber };
  }

  async function checkSigningCertificate(q: Queryable, input: CheckInput): Promise<CertificateCheck> {
    const checked = await precheck(input);
    if ('failure' in checked) return checked.failure;
    const found = await q.query<CertificateRow>(
      `SELECT practitioner_id, revoked_at, revocation_reason FROM pki_certificate
       WHERE serial_number = $1 AND der = $2`,
      [checked.serialNumber, derParameter(input.leafDer)],
    );
    return judgeCertificateRow(found.rows[0], input.sigT, checked.serialNumber);
  }

  return { checkSigningCertificate, precheck };
}

/**
 * The register's row of the certificate presented: the one with its serial number and its very
 * bytes (`serial_number = $n AND der = $m`, compared in SQL; the bytes never travel back).
 */
export interface CertificateRow {
  practitioner_id: string;
  revoked_at: Date | string | null;
  revocation_reason: string | null;
}

/** The leaf's DER as a bytea bind parameter (a view of the same bytes, not a copy). */
export function derParameter(der: Uint8Array): Buffer {
  return Buffer.from(der.buffer, der.byteOffset, der.byteLength);
}

/**
 * The row (or its absence) judged: the certificate the register issued, not revoked at sigT. No
 * row: the register issued no certificate with this serial, or one with other bytes under it.
 */
export function judgeCertificateRow(
  row: CertificateRow | undefined,
  sigT: Date,
  serialNumber: string,
): CertificateCheck {
  if (!row) return notTrusted('The signing certificate is not one the register issued');
  if (row.revoked_at !== null) {
    const reason = isRevocationReason(row.revocation_reason) ? row.revocation_reason : 'unspecified';
    const verdict = revocationVerdict({ revokedAt: new Date(row.revoked_at), reason }, sigT);
    if (verdict.revoked) return { ok: false, code: 'CERTIFICATE_REVOKED', message: verdict.message };
  }
  return { ok: true, practitionerId: row.practitioner_id, serialNumber };
}

export type CertificateChecker = ReturnType<typeof createCertificateChecker>;
