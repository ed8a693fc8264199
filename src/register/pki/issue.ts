/**
 * Issues a prescriber certificate and records it, bound to its Practitioner, in the caller's
 * transaction: the certificate exists for verification exactly when the issuing committed.
 */
import type { Queryable } from '../../platform/database/database.js';
import type { CertificateAuthority } from './authority.js';
import { wholeSeconds } from './ca-generate.js';
import { commonName } from './certificate-profile.js';
import { randomSerial } from './serial.js';
import type { x509 } from './x509.js';

const DAY_MS = 24 * 3600 * 1000;

export interface IssueRequest {
  practitionerId: string;
  /** The register's name for the Practitioner (made safe for the CN here). */
  practitionerName: string;
  publicKey: x509.PublicKey;
  /** The key is the service's own (remote signing). */
  remote: boolean;
  validityDays: number;
  publicUrl: string;
  now?: Date;
}

export interface IssuedCertificate {
  certificate: x509.X509Certificate;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  der: Uint8Array;
}

export async function issueCertificate(
  tx: Queryable,
  authority: CertificateAuthority,
  request: IssueRequest,
): Promise<IssuedCertificate> {
  const notBefore = wholeSeconds(request.now ?? new Date());
  // Never beyond the issuing CA's own end: a certificate cannot outlive what vouches for it.
  const notAfter = new Date(
    Math.min(notBefore.getTime() + request.validityDays * DAY_MS, authority.issuing.notAfter.getTime()),
  );
  const serialNumber = randomSerial();
  const certificate = await authority.issue(
    {
      serialNumber,
      practitionerId: request.practitionerId,
      practitionerName: commonName(request.practitionerName),
      publicUrl: request.publicUrl,
      notBefore,
      notAfter,
    },
    request.publicKey,
  );
  const der = new Uint8Array(certificate.rawData);
  await tx.query(
    `INSERT INTO pki_certificate (serial_number, practitioner_id, issuer_key_id, not_before, not_after, der, remote)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      serialNumber,
      request.practitionerId,
      authority.keyId,
      certificate.notBefore,
      certificate.notAfter,
      Buffer.from(der),
      request.remote,
    ],
  );
  return { certificate, serialNumber, notBefore: certificate.notBefore, notAfter: certificate.notAfter, der };
}
