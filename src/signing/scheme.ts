/**
 * The constants and the minimal FHIR shapes of the prescription signature scheme (docs/api.md §5).
 * The shapes are structural on purpose: this folder must not depend on the server's FHIR types, so
 * that supplier systems can copy it as it is; `@medplum/fhirtypes` Bundles fit them.
 */

/** `Provenance.signature[].type` coding that marks the prescription signature (ASTM E1762 "author's signature"). */
export const SIGNATURE_TYPE_SYSTEM = 'urn:iso-astm:E1762-95:2013';
export const SIGNATURE_TYPE_CODE = '1.2.840.10065.1.12.1.1';
/** The same type written as the contract writes it. */
export const SIGNATURE_TYPE = `${SIGNATURE_TYPE_SYSTEM}#${SIGNATURE_TYPE_CODE}`;

/** `Provenance.signature[0].sigFormat`. */
export const SIG_FORMAT = 'application/jose';

export const SIGNATURE_ALGORITHMS = ['ES256', 'PS256', 'RS256'] as const;
export type SignatureAlgorithm = (typeof SIGNATURE_ALGORITHMS)[number];

/** The protected header members, no more and no fewer. */
export const HEADER_MEMBERS = ['alg', 'x5c', 'sigT', 'crit'] as const;

export interface Reference {
  reference?: string;
}

export interface Coding {
  system?: string;
  code?: string;
}

export interface SignatureElement {
  type?: Coding[];
  when?: string;
  who?: Reference;
  sigFormat?: string;
  data?: string;
}

export interface SignatureProvenance {
  resourceType: 'Provenance';
  target: Reference[];
  recorded: string;
  agent: { who: Reference }[];
  signature: SignatureElement[];
}

export interface SignableEntry {
  fullUrl?: string;
  resource?: { resourceType: string };
}

/** Any FHIR Bundle; the element names the scheme touches are spelled out, the rest pass through untouched. */
export interface SignableBundle {
  resourceType: 'Bundle';
  entry?: readonly SignableEntry[];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isSignatureTypeCoding(coding: unknown): boolean {
  return isRecord(coding) && coding.system === SIGNATURE_TYPE_SYSTEM && coding.code === SIGNATURE_TYPE_CODE;
}

/** A Provenance with a signature of the prescription signature type (anywhere in `signature[]`). */
export function isSignatureProvenance(resource: unknown): boolean {
  if (!isRecord(resource) || resource.resourceType !== 'Provenance' || !Array.isArray(resource.signature)) {
    return false;
  }
  return resource.signature.some(
    (signature) =>
      isRecord(signature) && Array.isArray(signature.type) && signature.type.some(isSignatureTypeCoding),
  );
}
