/**
 * A prescriber's certificate signing request, checked before anything is issued: PEM PKCS#10, a
 * key Pathways accepts (EC P-256 or RSA of at least 2048 bits), and a self-signature that
 * verifies, proving the requester holds the private key. Only the public key is used: the
 * subject and any extensions requested are ignored, the register decides what the certificate says.
 */
import { createPublicKey } from 'node:crypto';
import { invalid, missing } from '../../platform/errors/problem.js';
import { x509 } from './x509.js';

export const CSR_EXPRESSION = "Parameters.parameter.where(name='csr').valueString";
const PEM =
  /^-----BEGIN (NEW )?CERTIFICATE REQUEST-----\r?\n([A-Za-z0-9+/=\r\n\t ]+)-----END (NEW )?CERTIFICATE REQUEST-----\s*$/;
const MAX_PEM_CHARS = 32_768;
const MIN_RSA_BITS = 2048;
const MAX_RSA_BITS = 8192;

export interface CheckedCsr {
  publicKey: x509.PublicKey;
  /** e.g. `EC P-256`, `RSA 3072` (for the audit detail). */
  keyDescription: string;
}

export async function checkCsr(pem: unknown): Promise<CheckedCsr> {
  if (typeof pem !== 'string' || pem.trim() === '') {
    throw missing('csr (valueString, a PEM PKCS#10 certificate request) is required', CSR_EXPRESSION);
  }
  if (pem.length > MAX_PEM_CHARS) throw invalid('The certificate request is too large', CSR_EXPRESSION);
  const match = PEM.exec(pem.trim());
  if (!match) {
    throw invalid(
      'csr must be PEM: -----BEGIN CERTIFICATE REQUEST----- … -----END CERTIFICATE REQUEST-----',
      CSR_EXPRESSION,
    );
  }
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(Buffer.from(match[2]!.replace(/\s+/g, ''), 'base64'));
  } catch {
    throw invalid('csr is not a PKCS#10 certificate request', CSR_EXPRESSION);
  }
  const keyDescription = checkKey(csr.publicKey);
  let verified = false;
  try {
    verified = await csr.verify();
  } catch {
    verified = false;
  }
  if (!verified) {
    throw invalid(
      "The certificate request's signature does not verify with its own public key",
      CSR_EXPRESSION,
    );
  }
  return { publicKey: csr.publicKey, keyDescription };
}

function checkKey(publicKey: x509.PublicKey): string {
  let key: ReturnType<typeof createPublicKey>;
  try {
    key = createPublicKey({ key: Buffer.from(publicKey.rawData), format: 'der', type: 'spki' });
  } catch {
    throw invalid("The certificate request's public key cannot be read", CSR_EXPRESSION);
  }
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') {
    if (details.namedCurve === 'prime256v1') return 'EC P-256';
    throw invalid(
      `EC keys must be on curve P-256, this one is on ${details.namedCurve ?? 'an unknown curve'}`,
      CSR_EXPRESSION,
    );
  }
  if (key.asymmetricKeyType === 'rsa') {
    const bits = details.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
      throw invalid(
        `RSA keys must have ${MIN_RSA_BITS} to ${MAX_RSA_BITS} bits, this one has ${bits}`,
        CSR_EXPRESSION,
      );
    }
    const exponent = details.publicExponent ?? 0n;
    if (exponent < 65_537n || exponent % 2n === 0n) {
      throw invalid('RSA keys must have an odd public exponent of at least 65537', CSR_EXPRESSION);
    }
    return `RSA ${bits}`;
  }
  throw invalid(
    `Only EC P-256 and RSA (2048 bits or more) keys are accepted, not ${key.asymmetricKeyType ?? 'this key type'}`,
    CSR_EXPRESSION,
  );
}
