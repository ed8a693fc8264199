/**
 * Which keys may sign, and with which algorithm: ES256 needs EC P-256, PS256 and RS256 need RSA of
 * 2048 bits or more (rsaEncryption keys; keys restricted to RSA-PSS are not supported by Node's
 * WebCrypto on every supported Node line). The same rule judges the key in a certificate.
 */
import { Buffer } from 'node:buffer';
import { createPrivateKey, KeyObject, type webcrypto, X509Certificate } from 'node:crypto';
import { SIGNATURE_ALGORITHMS, type SignatureAlgorithm } from './scheme.js';

/** A private key: a node KeyObject, a WebCrypto CryptoKey (may be non-extractable) or PEM (PKCS#8). */
export type PrivateKeyInput = KeyObject | webcrypto.CryptoKey | string;
/** The signer's leaf certificate: PEM (the first certificate in the text) or DER bytes. */
export type CertificateInput = string | Uint8Array;

export interface SigningKey {
  /** What jose signs with (the caller's CryptoKey itself, so keys that cannot be exported still sign). */
  key: KeyObject | webcrypto.CryptoKey;
  keyObject: KeyObject;
  alg: SignatureAlgorithm;
}

const WEBCRYPTO_ALGORITHM: Record<string, SignatureAlgorithm> = {
  ECDSA: 'ES256',
  'RSASSA-PKCS1-v1_5': 'RS256',
  'RSA-PSS': 'PS256',
};

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

export function isSignatureAlgorithm(value: unknown): value is SignatureAlgorithm {
  return SIGNATURE_ALGORITHMS.includes(value as SignatureAlgorithm);
}

function describeKey(key: KeyObject): string {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails;
  if (type === 'ec') return `an EC ${details?.namedCurve} key`;
  if (type === 'rsa' || type === 'rsa-pss')
    return `a ${details?.modulusLength}-bit ${type.toUpperCase()} key`;
  return `a ${type ?? key.type} key`;
}

/** Why `key` (public or private) cannot be used with `alg`, or undefined when it can. */
export function keyProblem(key: KeyObject, alg: SignatureAlgorithm): string | undefined {
  if (alg === 'ES256') {
    const p256 = key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
    return p256 ? undefined : `ES256 needs an EC P-256 key, not ${describeKey(key)}`;
  }
  if (key.asymmetricKeyType !== 'rsa') return `${alg} needs an RSA key, not ${describeKey(key)}`;
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  return bits >= 2048 ? undefined : `${alg} needs an RSA key of at least 2048 bits, not ${describeKey(key)}`;
}

function checkedAlg(keyObject: KeyObject, alg: SignatureAlgorithm): SignatureAlgorithm {
  const problem = keyProblem(keyObject, alg);
  if (problem) throw new TypeError(`privateKey: ${problem}`);
  return alg;
}

function fromKeyObject(key: KeyObject, requested: SignatureAlgorithm | undefined): SigningKey {
  if (key.type !== 'private')
    throw new TypeError(`privateKey: expected a private key, got a ${key.type} key`);
  const alg = requested ?? (key.asymmetricKeyType === 'rsa' ? 'RS256' : 'ES256');
  return { key, keyObject: key, alg: checkedAlg(key, alg) };
}

function isCryptoKey(value: unknown): value is webcrypto.CryptoKey {
  return (value as { [Symbol.toStringTag]?: unknown })?.[Symbol.toStringTag] === 'CryptoKey';
}

function fromCryptoKey(key: webcrypto.CryptoKey, requested: SignatureAlgorithm | undefined): SigningKey {
  if (key.type !== 'private' || !key.usages.includes('sign')) {
    throw new TypeError('privateKey: the CryptoKey must be a private key with the "sign" usage');
  }
  const algorithm = key.algorithm as { name: string; hash?: { name?: string } };
  const alg = WEBCRYPTO_ALGORITHM[algorithm.name];
  if (!alg)
    throw new TypeError(`privateKey: a ${algorithm.name} CryptoKey cannot sign ES256, PS256 or RS256`);
  // A WebCrypto key is bound to one algorithm when it is imported.
  if (requested !== undefined && requested !== alg) {
    throw new TypeError(`privateKey: a ${algorithm.name} CryptoKey signs ${alg}, not ${requested}`);
  }
  if (algorithm.hash !== undefined && algorithm.hash.name !== 'SHA-256') {
    throw new TypeError(
      `privateKey: ${alg} needs a CryptoKey imported with SHA-256, not ${algorithm.hash.name}`,
    );
  }
  const keyObject = KeyObject.from(key);
  return { key, keyObject, alg: checkedAlg(keyObject, alg) };
}

/**
 * The key to sign with and its algorithm: `requested`, or ES256 for EC keys and RS256 for RSA keys
 * (a WebCrypto key: the algorithm it was imported for). Throws TypeError for a key that cannot sign.
 */
export function signingKey(input: PrivateKeyInput, requested?: SignatureAlgorithm): SigningKey {
  if (requested !== undefined && !isSignatureAlgorithm(requested)) {
    throw new TypeError(`alg: must be one of ${SIGNATURE_ALGORITHMS.join(', ')}, got ${String(requested)}`);
  }
  if (typeof input === 'string') {
    let key: KeyObject;
    try {
      key = createPrivateKey(input);
    } catch (error) {
      throw new TypeError(`privateKey: not a readable PEM private key (${(error as Error).message})`);
    }
    return fromKeyObject(key, requested);
  }
  if (input instanceof KeyObject) return fromKeyObject(input, requested);
  if (isCryptoKey(input)) return fromCryptoKey(input, requested);
  throw new TypeError('privateKey: expected a KeyObject, a CryptoKey or a PEM PKCS#8 string');
}

/** The signer's leaf certificate and its DER bytes. Throws TypeError when it is neither PEM nor DER. */
export function readCertificate(input: CertificateInput): { der: Uint8Array; certificate: X509Certificate } {
  let certificate: X509Certificate;
  try {
    const source =
      typeof input === 'string' ? (PEM_CERTIFICATE.exec(input)?.[0] ?? input) : Buffer.from(input);
    certificate = new X509Certificate(source);
  } catch (error) {
    throw new TypeError(`certificate: not a PEM or DER X.509 certificate (${(error as Error).message})`);
  }
  return { der: new Uint8Array(certificate.raw), certificate };
}

/** A DER certificate exactly as given (one SEQUENCE, nothing before or after it), else undefined. */
export function parseDerCertificate(der: Uint8Array): X509Certificate | undefined {
  if (der[0] !== 0x30) return undefined;
  try {
    const certificate = new X509Certificate(Buffer.from(der));
    return certificate.raw.equals(Buffer.from(der)) ? certificate : undefined;
  } catch {
    return undefined;
  }
}
