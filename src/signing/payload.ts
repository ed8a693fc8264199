/**
 * The signed bytes (docs/api.md §5 step 1): the Bundle without its signature Provenance, its
 * MessageHeader, `id`, `meta`, `timestamp` and `signature`, serialised with RFC 8785 (JCS). What is
 * left out is what a system may rewrite in transit without changing the prescription.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { utf8 } from './encoding.js';
import { SigningError } from './errors.js';
import { isRecord, isSignatureProvenance, type SignableBundle } from './scheme.js';

const EXCLUDED_BUNDLE_ELEMENTS = new Set(['id', 'meta', 'timestamp', 'signature']);

function isExcludedEntry(entry: unknown): boolean {
  if (!isRecord(entry) || !isRecord(entry.resource)) return false;
  return entry.resource.resourceType === 'MessageHeader' || isSignatureProvenance(entry.resource);
}

/**
 * The exact canonical UTF-8 bytes that are signed (what `$prepare` returns as `payload`). Every
 * Provenance carrying a prescription signature is left out (a valid Bundle has one); the input is
 * not changed. Throws SigningError when the input is not a Bundle or has no canonical form
 * (a string with a lone surrogate).
 */
export function signingPayload(bundle: SignableBundle): Uint8Array {
  const record: unknown = bundle;
  if (!isRecord(record) || record.resourceType !== 'Bundle') {
    throw new SigningError('signing payload: not a FHIR Bundle');
  }
  const content = Object.fromEntries(
    Object.entries(record).filter(([name]) => !EXCLUDED_BUNDLE_ELEMENTS.has(name)),
  );
  if (Array.isArray(content.entry)) content.entry = content.entry.filter((entry) => !isExcludedEntry(entry));
  let text: string | undefined;
  try {
    text = canonicalize(content);
  } catch (error) {
    throw new SigningError(
      `signing payload: the Bundle has no canonical JSON form (${(error as Error).message})`,
    );
  }
  if (text === undefined) throw new SigningError('signing payload: the Bundle has no canonical JSON form');
  return utf8(text);
}

/** SHA-256 of the signing payload, base64 (what `$prepare` returns as `digest`). */
export function payloadDigest(bundle: SignableBundle): string {
  return digestOf(signingPayload(bundle));
}

export function digestOf(payload: Uint8Array): string {
  return createHash('sha256').update(payload).digest('base64');
}
