/**
 * The two outcomes of a failed verification, named as the contract's business error codes so the
 * server can turn them into OperationOutcomes without translating.
 */

export type SignatureErrorCode = 'MISSING_DIGITAL_SIGNATURE' | 'INVALID_SIGNATURE';

export class SignatureError extends Error {
  readonly code: SignatureErrorCode;
  /** FHIRPath of the element at fault, when there is one (e.g. `Bundle.entry[9].resource.signature[0].data`). */
  readonly expression: string | undefined;

  constructor(code: SignatureErrorCode, message: string, expression?: string) {
    super(message);
    this.name = 'SignatureError';
    this.code = code;
    this.expression = expression;
  }
}

/**
 * The Bundle cannot be signed as it is (not a Bundle, no MedicationRequest, no requester to name
 * as the signer, content that has no canonical form). Bad keys, certificates or options are
 * programming errors and throw TypeError instead.
 */
export class SigningError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SigningError';
  }
}
