/**
 * An issuing CA given by the operator as PEM files (PKI_CA_CERT_FILE, PKI_CA_KEY_FILE, optionally
 * PKI_ROOT_CERT_FILE), checked at start: each file readable and parseable, the certificate a CA
 * allowed to sign certificates and CRLs and valid now, the key the certificate's own, and the root
 * (when given) the one that signed it. Any failure is a ConfigError naming the variable.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../platform/config/config.js';
import type { RegisterSettings } from '../settings.js';
import type { AuthorityMaterial } from './authority.js';
import { type CryptoKey, subtle, x509 } from './x509.js';

type CaFiles = NonNullable<RegisterSettings['caFiles']>;

export async function caFromFiles(files: CaFiles, now = new Date()): Promise<AuthorityMaterial> {
  const issuing = readCertificate('PKI_CA_CERT_FILE', files.certFile);
  checkCaCertificate('PKI_CA_CERT_FILE', issuing, now);
  const key = readPrivateKey('PKI_CA_KEY_FILE', files.keyFile);
  const certificateKey = Buffer.from(issuing.publicKey.rawData);
  const keyPublic = createPublicKey(key).export({ type: 'spki', format: 'der' });
  if (!certificateKey.equals(keyPublic)) {
    throw new ConfigError(
      'PKI_CA_KEY_FILE',
      `is not the private key of the certificate in ${files.certFile}`,
    );
  }
  const issuingKey = await importSigningKey(key);
  let root: x509.X509Certificate | undefined;
  if (files.rootCertFile) {
    root = readCertificate('PKI_ROOT_CERT_FILE', files.rootCertFile);
    checkCaCertificate('PKI_ROOT_CERT_FILE', root, now);
    const signed = await issuing
      .verify({ publicKey: root.publicKey, signatureOnly: true })
      .catch(() => false);
    if (!signed || issuing.issuer !== root.subject) {
      throw new ConfigError('PKI_ROOT_CERT_FILE', `did not issue the certificate in ${files.certFile}`);
    }
  }
  return { issuing, issuingKey, ...(root ? { root } : {}), source: 'files' };
}

function readText(variable: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      variable,
      `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

/** The first certificate of a PEM file (a file holding a chain starts with its own). */
function readCertificate(variable: string, file: string): x509.X509Certificate {
  const text = readText(variable, file);
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text)?.[0];
  if (!pem) throw new ConfigError(variable, `${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  try {
    return new x509.X509Certificate(pem);
  } catch {
    throw new ConfigError(variable, `${file} holds a PEM block that is not an X.509 certificate`);
  }
}

function checkCaCertificate(variable: string, certificate: x509.X509Certificate, now: Date): void {
  const constraints = certificate.getExtension(x509.BasicConstraintsExtension);
  if (!constraints?.ca)
    throw new ConfigError(variable, 'is not a CA certificate (basicConstraints cA is not set)');
  const usage = certificate.getExtension(x509.KeyUsagesExtension);
  const needed = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign;
  if (usage && (usage.usages & needed) !== needed) {
    throw new ConfigError(
      variable,
      'is not allowed to sign certificates and CRLs (keyUsage keyCertSign, cRLSign)',
    );
  }
  if (now < certificate.notBefore || now > certificate.notAfter) {
    throw new ConfigError(
      variable,
      `is not valid now (valid ${certificate.notBefore.toISOString()} to ${certificate.notAfter.toISOString()})`,
    );
  }
}

function readPrivateKey(variable: string, file: string): KeyObject {
  const text = readText(variable, file);
  try {
    return createPrivateKey({ key: text, format: 'pem' });
  } catch {
    throw new ConfigError(variable, `${file} holds no unencrypted PEM private key (PKCS#8, SEC1 or PKCS#1)`);
  }
}

async function importSigningKey(key: KeyObject): Promise<CryptoKey> {
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') {
    const curves: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };
    const namedCurve = curves[details.namedCurve ?? ''];
    if (!namedCurve)
      throw new ConfigError('PKI_CA_KEY_FILE', `EC curve ${details.namedCurve} is not supported`);
    return subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve }, false, ['sign']);
  }
  if (key.asymmetricKeyType === 'rsa') {
    if ((details.modulusLength ?? 0) < 2048)
      throw new ConfigError('PKI_CA_KEY_FILE', 'RSA keys need 2048 bits or more');
    return subtle.importKey('pkcs8', pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
  }
  throw new ConfigError(
    'PKI_CA_KEY_FILE',
    `${key.asymmetricKeyType} keys cannot sign certificates here (EC or RSA)`,
  );
}
