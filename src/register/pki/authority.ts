/**
 * The prescriber-issuing CA in memory: its certificate, its private key (never leaves the
 * process), the root above it and what every check needs ready — its key identifier and its
 * public key imported once, so verifying a signing certificate costs one signature check.
 */
import { type LeafProfile, leafExtensions } from './certificate-profile.js';
import { type CryptoKey, x509 } from './x509.js';

export interface AuthorityMaterial {
  issuing: x509.X509Certificate;
  issuingKey: CryptoKey;
  root?: x509.X509Certificate;
  /** `generated` (kept in the database) or `files` (PKI_CA_CERT_FILE / PKI_CA_KEY_FILE). */
  source: 'generated' | 'files';
}

export interface CrlEntry {
  serialNumber: string;
  revokedAt: Date;
  /** CRLReason code; absent for `unspecified` (RFC 5280 5.3.1 says to leave it out). */
  reasonCode?: number;
}

type SigningAlgorithm = { name: string; hash: string };

const CRL_NUMBER_OID = '2.5.29.20';

export class CertificateAuthority {
  private constructor(
    readonly issuing: x509.X509Certificate,
    private readonly signingKey: CryptoKey,
    readonly root: x509.X509Certificate | undefined,
    readonly source: AuthorityMaterial['source'],
    /** Subject key identifier of the issuing CA (hex): names this CA in the certificate table. */
    readonly keyId: string,
    private readonly verifyKey: CryptoKey,
    private readonly algorithm: SigningAlgorithm,
  ) {}

  static async create(material: AuthorityMaterial): Promise<CertificateAuthority> {
    const { issuing } = material;
    const keyId =
      issuing.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId ??
      (await x509.SubjectKeyIdentifierExtension.create(issuing.publicKey)).keyId;
    const algorithm = signingAlgorithmFor(issuing.publicKey.algorithm);
    const verifyKey = await issuing.publicKey.export(
      { ...issuing.publicKey.algorithm, ...(algorithm.name === 'ECDSA' ? {} : { hash: algorithm.hash }) },
      ['verify'],
    );
    return new CertificateAuthority(
      issuing,
      material.issuingKey,
      material.root,
      material.source,
      keyId.toLowerCase(),
      verifyKey,
      algorithm,
    );
  }

  /** The issuing CA, PEM. */
  issuingPem(): string {
    return `${this.issuing.toString('pem')}\n`;
  }

  /** The issuing CA then the root (when known), PEM. */
  chainPem(): string {
    return [this.issuing, ...(this.root ? [this.root] : [])]
      .map((cert) => `${cert.toString('pem')}\n`)
      .join('');
  }

  async issue(
    profile: Omit<LeafProfile, 'issuerKeyId'>,
    publicKey: x509.PublicKey,
  ): Promise<x509.X509Certificate> {
    return x509.X509CertificateGenerator.create({
      serialNumber: profile.serialNumber,
      subject: [{ CN: [profile.practitionerName] }],
      issuer: this.issuing.subjectName,
      notBefore: profile.notBefore,
      notAfter: profile.notAfter,
      publicKey,
      signingKey: this.signingKey,
      signingAlgorithm: this.algorithm,
      extensions: await leafExtensions({ ...profile, issuerKeyId: this.keyId }, publicKey),
    });
  }

  /** Did this CA sign `certificate`? The signature is checked, not just the issuer's name. */
  async signed(certificate: x509.X509Certificate): Promise<boolean> {
    if (certificate.issuer !== this.issuing.subject) return false;
    try {
      return await certificate.verify({ publicKey: this.verifyKey, signatureOnly: true });
    } catch {
      return false;
    }
  }

  async signCrl(options: {
    entries: readonly CrlEntry[];
    crlNumber: number;
    thisUpdate: Date;
    nextUpdate: Date;
  }): Promise<x509.X509Crl> {
    return x509.X509CrlGenerator.create({
      issuer: this.issuing.subjectName,
      thisUpdate: options.thisUpdate,
      nextUpdate: options.nextUpdate,
      signingAlgorithm: this.algorithm,
      signingKey: this.signingKey,
      extensions: [
        new x509.AuthorityKeyIdentifierExtension(this.keyId),
        new x509.Extension(CRL_NUMBER_OID, false, derInteger(BigInt(options.crlNumber))),
      ],
      entries: options.entries.map((entry) => ({
        serialNumber: entry.serialNumber,
        revocationDate: entry.revokedAt,
        ...(entry.reasonCode === undefined ? {} : { reason: entry.reasonCode }),
      })),
    });
  }
}

/** The signature algorithm a CA key of this type signs with (SHA-256 but for larger curves). */
export function signingAlgorithmFor(algorithm: { name: string; namedCurve?: string }): SigningAlgorithm {
  if (algorithm.name === 'ECDSA') {
    const hash =
      algorithm.namedCurve === 'P-384' ? 'SHA-384' : algorithm.namedCurve === 'P-521' ? 'SHA-512' : 'SHA-256';
    return { name: 'ECDSA', hash };
  }
  if (algorithm.name === 'RSASSA-PKCS1-v1_5') return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  throw new Error(`pki: a CA key of type ${algorithm.name} cannot sign certificates here`);
}

/** DER INTEGER of a non-negative number (CRL numbers are at most 20 octets, RFC 5280 5.2.3). */
export function derInteger(value: bigint): Uint8Array {
  if (value < 0n) throw new RangeError('derInteger: negative');
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  let body = Buffer.from(hex, 'hex');
  if ((body[0] ?? 0) & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  if (body.length > 20) throw new RangeError('derInteger: more than 20 octets');
  return new Uint8Array(Buffer.concat([Buffer.from([0x02, body.length]), body]));
}
