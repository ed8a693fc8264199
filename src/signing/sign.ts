/**
 * Signing (docs/api.md §5): a compact JWS over the canonical payload with the payload part left
 * out, and the Provenance that carries it.
 */
import { CompactSign } from 'jose';
import { attachSignature, medicationRequestUrls, requesterReference } from './carrier.js';
import { toBase64 } from './encoding.js';
import { SigningError } from './errors.js';
import {
  type CertificateInput,
  keyProblem,
  type PrivateKeyInput,
  readCertificate,
  signingKey,
} from './keys.js';
import { signingPayload } from './payload.js';
import { formatRfc3339, parseRfc3339 } from './rfc3339.js';
import type { SignableBundle, SignatureAlgorithm } from './scheme.js';

export interface SignPayloadOptions {
  privateKey: PrivateKeyInput;
  /** The leaf certificate for `privateKey`, PEM or DER; it goes into `x5c` alone. */
  certificate: CertificateInput;
  /** Default: ES256 for an EC key, RS256 for an RSA key, the key's own algorithm for a CryptoKey. */
  alg?: SignatureAlgorithm;
  /** Signing time; default now. Written in UTC (`2024-05-01T09:30:00Z`). */
  sigT?: Date | string;
}

export interface SignPrescriptionOptions extends SignPayloadOptions {
  /** Reference to the signing PractitionerRole; default: the first MedicationRequest's `requester.reference`. */
  who?: string;
}

export interface SignedPayload {
  /** `header..signature`. */
  jws: string;
  alg: SignatureAlgorithm;
  sigT: string;
}

function signingTime(sigT: Date | string | undefined): string {
  if (sigT === undefined) return formatRfc3339(new Date());
  const date = typeof sigT === 'string' ? parseRfc3339(sigT) : sigT;
  if (!date) throw new TypeError(`sigT: not an RFC 3339 date-time: ${sigT}`);
  return formatRfc3339(date);
}

/**
 * Signs payload bytes (e.g. `$prepare`'s `payload`) and returns the detached compact JWS. Throws
 * TypeError when the key cannot sign with `alg`, or the certificate is not this key's.
 */
export async function signPayloadBytes(
  payload: Uint8Array,
  options: SignPayloadOptions,
): Promise<SignedPayload> {
  const { key, keyObject, alg } = signingKey(options.privateKey, options.alg);
  const { der, certificate } = readCertificate(options.certificate);
  const problem = keyProblem(certificate.publicKey, alg);
  if (problem) throw new TypeError(`certificate: ${problem}`);
  if (!certificate.checkPrivateKey(keyObject)) {
    throw new TypeError('certificate: it certifies another key, not privateKey');
  }
  const sigT = signingTime(options.sigT);
  const compact = await new CompactSign(payload)
    .setProtectedHeader({ alg, x5c: [toBase64(der)], sigT, crit: ['sigT'] })
    .sign(key, { crit: { sigT: true } });
  const [header, , signature] = compact.split('.');
  return { jws: `${header}..${signature}`, alg, sigT };
}

/**
 * A copy of the prescription-order Bundle, signed: one signature Provenance (replacing any it had)
 * with `target` = the MedicationRequests, `who` = the requester PractitionerRole. The input is not
 * changed. Throws SigningError when the Bundle cannot be signed, TypeError for a bad key or option.
 */
export async function signPrescription<B extends SignableBundle>(
  bundle: B,
  options: SignPrescriptionOptions,
): Promise<B> {
  // Refuse before signing, so a Bundle that cannot carry a signature never gets one made for it.
  if (options.who === undefined && requesterReference(bundle) === undefined) {
    throw new SigningError('no signer: the first MedicationRequest has no requester reference; pass `who`');
  }
  if (medicationRequestUrls(bundle).length === 0) {
    throw new SigningError('nothing to sign: the Bundle has no MedicationRequest with a fullUrl');
  }
  const { jws } = await signPayloadBytes(signingPayload(bundle), options);
  return attachSignature(bundle, jws, options.who === undefined ? {} : { who: options.who });
}
