/**
 * A root CA and the prescriber-issuing CA below it, generated when no CA is configured: EC P-256,
 * the root valid 20 years and allowed one CA below it, the issuing CA 10 years and allowed none.
 */
import { randomSerial } from './serial.js';
import { type CryptoKey, type CryptoKeyPair, subtle, x509 } from './x509.js';

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
const YEAR_MS = 365.25 * 24 * 3600 * 1000;

export const ROOT_NAME: x509.JsonName = [{ CN: ['Pathways Root CA'] }, { O: ['Pathways'] }];
export const ISSUING_NAME: x509.JsonName = [{ CN: ['Pathways Prescriber CA'] }, { O: ['Pathways'] }];

export interface GeneratedCa {
  certificate: x509.X509Certificate;
  /** Extractable, so that it can be sealed and stored. */
  privateKey: CryptoKey;
}

export async function generateCaPair(now = new Date()): Promise<{ root: GeneratedCa; issuing: GeneratedCa }> {
  const notBefore = wholeSeconds(now);
  const rootKeys = (await subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
  const rootKeyId = await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey);
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: ROOT_NAME,
    notBefore,
    notAfter: new Date(notBefore.getTime() + 20 * YEAR_MS),
    signingAlgorithm: SIGN,
    keys: rootKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      rootKeyId,
    ],
  });
  const issuingKeys = (await subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
  const issuing = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: ISSUING_NAME,
    issuer: root.subjectName,
    notBefore,
    notAfter: new Date(notBefore.getTime() + 10 * YEAR_MS),
    publicKey: issuingKeys.publicKey,
    signingKey: rootKeys.privateKey,
    signingAlgorithm: SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(issuingKeys.publicKey),
      new x509.AuthorityKeyIdentifierExtension(rootKeyId.keyId),
    ],
  });
  return {
    root: { certificate: root, privateKey: rootKeys.privateKey },
    issuing: { certificate: issuing, privateKey: issuingKeys.privateKey },
  };
}

/** X.509 times have whole seconds; starting on one keeps what is stored and what is signed equal. */
export function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

export async function importEcSigningKey(pkcs8: Uint8Array): Promise<CryptoKey> {
  return subtle.importKey('pkcs8', pkcs8, EC, false, ['sign']);
}
