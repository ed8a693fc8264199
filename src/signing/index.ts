/**
 * Prescription signatures (docs/api.md §5): what supplier systems sign with and the server verifies
 * with. Depends only on node:crypto, jose and canonicalize, so it can be copied out as it is.
 * See README.md in this folder.
 */
export {
  attachSignature,
  readSignature,
  type SignatureCarrier,
  type SignatureProvenanceInput,
  signatureProvenance,
} from './carrier.js';
export { SignatureError, type SignatureErrorCode, SigningError } from './errors.js';
export type { CertificateInput, PrivateKeyInput } from './keys.js';
export { digestOf, payloadDigest, signingPayload } from './payload.js';
export {
  isSignatureProvenance,
  SIG_FORMAT,
  SIGNATURE_ALGORITHMS,
  SIGNATURE_TYPE,
  SIGNATURE_TYPE_CODE,
  SIGNATURE_TYPE_SYSTEM,
  type SignableBundle,
  type SignableEntry,
  type SignatureAlgorithm,
  type SignatureElement,
  type SignatureProvenance,
} from './scheme.js';
export {
  type SignedPayload,
  type SignPayloadOptions,
  type SignPrescriptionOptions,
  signPayloadBytes,
  signPrescription,
} from './sign.js';
export { type VerifiedSignature, verifyBundleSignature } from './verify.js';
