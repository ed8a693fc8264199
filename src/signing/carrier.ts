/**
 * Where the signature lives (docs/api.md §5 step 4): `Provenance.signature[0]` of one Provenance
 * entry, `data` = base64 of the UTF-8 compact JWS. Reading it back, and building it.
 */
import { randomUUID } from 'node:crypto';
import { fromBase64, fromUtf8, toBase64, utf8 } from './encoding.js';
import { SignatureError, SigningError } from './errors.js';
import { parseProtectedHeader, splitDetachedJws } from './header.js';
import {
  isRecord,
  isSignatureProvenance,
  isSignatureTypeCoding,
  SIG_FORMAT,
  SIGNATURE_TYPE_CODE,
  SIGNATURE_TYPE_SYSTEM,
  type SignableBundle,
  type SignableEntry,
  type SignatureProvenance,
} from './scheme.js';

export interface SignatureCarrier {
  provenance: SignatureProvenance;
  /** Index of the Provenance in `Bundle.entry`. */
  entryIndex: number;
  /** The compact JWS decoded from `signature[0].data`. */
  jws: string;
  when?: string;
  /** `signature[0].who.reference`. */
  who?: string;
  sigFormat?: string;
}

function entries(bundle: unknown): unknown[] {
  return isRecord(bundle) && Array.isArray(bundle.entry) ? bundle.entry : [];
}

function resourceOf(entry: unknown): Record<string, unknown> | undefined {
  return isRecord(entry) && isRecord(entry.resource) ? entry.resource : undefined;
}

function invalid(message: string, expression: string): SignatureError {
  return new SignatureError('INVALID_SIGNATURE', message, expression);
}

/**
 * The signature Provenance and the JWS it carries, or undefined when the Bundle has none. Throws
 * SignatureError INVALID_SIGNATURE when there is more than one, or when it is malformed
 * (not in `signature[0]`, `data` missing or not base64 of UTF-8 text, `when` not a string).
 */
export function readSignature(bundle: unknown): SignatureCarrier | undefined {
  const found = entries(bundle).flatMap((entry, index) =>
    isSignatureProvenance(resourceOf(entry)) ? [index] : [],
  );
  if (found.length === 0) return undefined;
  const entryIndex = found[0]!;
  if (found.length > 1) {
    throw invalid(
      `the Bundle has ${found.length} signature Provenances; a prescription has exactly one`,
      `Bundle.entry[${found[1]}].resource`,
    );
  }
  const provenance = resourceOf(entries(bundle)[entryIndex]) as unknown as SignatureProvenance;
  const path = `Bundle.entry[${entryIndex}].resource.signature[0]`;
  const signature: unknown = provenance.signature[0];
  if (!isRecord(signature) || !Array.isArray(signature.type) || !signature.type.some(isSignatureTypeCoding)) {
    throw invalid('the prescription signature must be the Provenance\u2019s first signature', path);
  }
  const bytes = typeof signature.data === 'string' ? fromBase64(signature.data) : undefined;
  const jws = bytes && fromUtf8(bytes);
  if (jws === undefined) throw invalid('signature data must be base64 of the UTF-8 JWS', `${path}.data`);
  if (signature.when !== undefined && typeof signature.when !== 'string') {
    throw invalid('signature when must be an instant', `${path}.when`);
  }
  const who =
    isRecord(signature.who) && typeof signature.who.reference === 'string'
      ? signature.who.reference
      : undefined;
  return {
    provenance,
    entryIndex,
    jws,
    ...(signature.when !== undefined ? { when: signature.when } : {}),
    ...(who !== undefined ? { who } : {}),
    ...(typeof signature.sigFormat === 'string' ? { sigFormat: signature.sigFormat } : {}),
  };
}

/** `requester.reference` of the first MedicationRequest: the PractitionerRole that signs. */
export function requesterReference(bundle: SignableBundle): string | undefined {
  const request = entries(bundle)
    .map(resourceOf)
    .find((resource) => resource?.resourceType === 'MedicationRequest');
  const requester = request?.requester;
  return isRecord(requester) && typeof requester.reference === 'string' ? requester.reference : undefined;
}

/** The fullUrls of the MedicationRequests, which the Provenance names as its targets. */
export function medicationRequestUrls(bundle: SignableBundle): string[] {
  return entries(bundle).flatMap((entry) =>
    resourceOf(entry)?.resourceType === 'MedicationRequest' &&
    isRecord(entry) &&
    typeof entry.fullUrl === 'string'
      ? [entry.fullUrl]
      : [],
  );
}

export interface SignatureProvenanceInput {
  jws: string;
  /** The header's sigT, also `when` and `recorded`. */
  sigT: string;
  /** Reference to the signing PractitionerRole, as the Bundle refers to it (e.g. `urn:uuid:…`). */
  who: string;
  /** fullUrls of the signed MedicationRequests. */
  targets: string[];
}

/** A Bundle entry with the signature Provenance, under a fresh `urn:uuid:` fullUrl. */
export function signatureProvenance(input: SignatureProvenanceInput): {
  fullUrl: string;
  resource: SignatureProvenance;
} {
  const who = { reference: input.who };
  return {
    fullUrl: `urn:uuid:${randomUUID()}`,
    resource: {
      resourceType: 'Provenance',
      target: input.targets.map((reference) => ({ reference })),
      recorded: input.sigT,
      agent: [{ who }],
      signature: [
        {
          type: [{ system: SIGNATURE_TYPE_SYSTEM, code: SIGNATURE_TYPE_CODE }],
          when: input.sigT,
          who,
          sigFormat: SIG_FORMAT,
          data: toBase64(utf8(input.jws)),
        },
      ],
    },
  };
}

/**
 * A copy of `bundle` carrying `jws` in a new signature Provenance, in place of any it had (or
 * appended). `who` defaults to the first MedicationRequest's requester. The JWS header must be
 * well formed (SignatureError otherwise); whether the JWS matches the Bundle is not checked here:
 * call verifyBundleSignature on the result for that.
 */
export function attachSignature<B extends SignableBundle>(
  bundle: B,
  jws: string,
  options: { who?: string } = {},
): B {
  const { encodedHeader } = splitDetachedJws(jws);
  const { sigT } = parseProtectedHeader(encodedHeader);
  const who = options.who ?? requesterReference(bundle);
  if (who === undefined) {
    throw new SigningError('no signer: the first MedicationRequest has no requester reference; pass `who`');
  }
  const targets = medicationRequestUrls(bundle);
  if (targets.length === 0)
    throw new SigningError('nothing to sign: the Bundle has no MedicationRequest with a fullUrl');
  const carrier: SignableEntry = signatureProvenance({ jws, sigT, who, targets });
  const kept = (bundle.entry ?? []).filter((entry) => !isSignatureProvenance(resourceOf(entry)));
  const at = (bundle.entry ?? []).findIndex((entry) => isSignatureProvenance(resourceOf(entry)));
  const position = at === -1 ? kept.length : at;
  return { ...bundle, entry: [...kept.slice(0, position), carrier, ...kept.slice(position)] };
}
