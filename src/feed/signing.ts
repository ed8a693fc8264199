/**
 * RFC 9421 HTTP Message Signatures for the feed, on http-message-signatures 1.x (which builds the
 * signature base and does the crypto). The feed signs label `sig1` over
 * `("@method" "@target-uri" "content-digest" "content-type")` with `created`, `keyid` (the RFC 7638
 * thumbprint of the feed key) and `alg="ecdsa-p256-sha256"`; Content-Digest (RFC 9530) binds the
 * body into the signature. The general sign/verify functions are also what the RFC's own test
 * vectors are checked against (signing.test.ts).
 */
import type { KeyObject } from 'node:crypto';
import {
  createSigner,
  createVerifier,
  httpbis,
  type Request,
  type Response,
  type SigningKey,
  type VerifyingKey,
} from 'http-message-signatures';
import { contentDigest } from './content-digest.js';
import { dictionaryMember } from './sf-dictionary.js';

export const SIGNATURE_LABEL = 'sig1';
export const SIGNATURE_ALG = 'ecdsa-p256-sha256';
export const COVERED_COMPONENTS = ['@method', '@target-uri', 'content-digest', 'content-type'] as const;
export const SIGNATURE_PARAMS = ['created', 'keyid', 'alg'] as const;
/** A verifier accepts signatures at most this old, and this far in the future (clock skew). */
export const MAX_SIGNATURE_AGE_S = 300;
export const CLOCK_SKEW_S = 60;

export type Headers = Record<string, string | string[]>;

export interface SignOptions {
  label: string;
  key: SigningKey;
  components: readonly string[];
  /** Signature parameters, in the order they are serialised. */
  params: readonly string[];
  created?: Date;
  /** Further parameter values (e.g. `nonce`, `tag`). */
  values?: Record<string, string>;
}

/** `message` with its Signature-Input and Signature headers added. */
export async function signMessage<T extends Request | Response>(
  message: T,
  options: SignOptions,
): Promise<T> {
  const config = {
    key: options.key,
    name: options.label,
    fields: [...options.components],
    params: [...options.params],
    paramValues: { ...options.values, ...(options.created ? { created: options.created } : {}) },
  };
  return (await httpbis.signMessage(config, message as Request)) as T;
}

export interface VerifyOptions {
  label: string;
  /** The key the signature must name (`keyid`) and verify under. */
  keyid: string;
  verifier: VerifyingKey;
  requiredComponents: readonly string[];
  requiredParams: readonly string[];
  /** Refuse signatures older than this (seconds); no limit when omitted. */
  maxAgeS?: number;
  toleranceS?: number;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string; keyid?: string };

/**
 * Verifies the signature labelled `options.label` (other signatures on the message are ignored).
 * `request` is the request a response signature may cover components of.
 */
export async function verifyMessage(
  message: Request | Response,
  options: VerifyOptions,
  request?: Request,
): Promise<SignatureCheck> {
  const input = dictionaryMember(header(message.headers, 'signature-input'), options.label);
  const signature = dictionaryMember(header(message.headers, 'signature'), options.label);
  if (!input || !signature) return { ok: false, reason: `no signature labelled ${options.label}` };
  const headers: Headers = {};
  for (const [name, value] of Object.entries(message.headers)) {
    if (!['signature', 'signature-input'].includes(name.toLowerCase())) headers[name] = value;
  }
  headers['signature-input'] = input;
  headers.signature = signature;
  let named: string | undefined;
  const config = {
    async keyLookup(params: { keyid?: unknown }) {
      named = typeof params.keyid === 'string' ? params.keyid : undefined;
      return named === options.keyid ? options.verifier : null;
    },
    requiredFields: [...options.requiredComponents],
    requiredParams: [...options.requiredParams],
    ...(options.maxAgeS !== undefined ? { maxAge: options.maxAgeS } : {}),
    tolerance: options.toleranceS ?? 0,
  };
  const target = { ...message, headers };
  try {
    const valid = request
      ? await httpbis.verifyMessage(config, target as Response, request)
      : await httpbis.verifyMessage(config, target as Request);
    if (valid === true) return { ok: true };
    if (valid === null) {
      return { ok: false, reason: `signed with an unknown key (keyid ${named ?? 'missing'})`, keyid: named };
    }
    return { ok: false, reason: 'signature does not verify' };
  } catch (error) {
    return { ok: false, reason: `signature refused: ${(error as Error).message}` };
  }
}

export interface FeedSigningKey {
  keyid: string;
  privateKey: KeyObject;
}

export interface FeedRequest {
  method: 'POST';
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** The signed POST of `body` (JSON) to `url`, with `Idempotency-Key`. */
export async function signFeedRequest(
  url: string,
  body: string,
  idempotencyKey: string,
  key: FeedSigningKey,
  created = new Date(),
): Promise<FeedRequest> {
  const unsigned = {
    method: 'POST',
    url,
    headers: {
      'Content-Type': 'application/json',
      'Content-Digest': contentDigest(body),
      'Idempotency-Key': idempotencyKey,
    },
  };
  const signed = await signMessage(unsigned, {
    label: SIGNATURE_LABEL,
    key: createSigner(key.privateKey, SIGNATURE_ALG, key.keyid),
    components: COVERED_COMPONENTS,
    params: SIGNATURE_PARAMS,
    created,
  });
  return { method: 'POST', url, headers: signed.headers as Record<string, string>, body };
}

/** Verifies a feed request's signature the way the ePMS must (the fake ePMS uses it). */
export function verifyFeedSignature(
  request: Request,
  trusted: { keyid: string; publicKey: KeyObject },
): Promise<SignatureCheck> {
  return verifyMessage(request, {
    label: SIGNATURE_LABEL,
    keyid: trusted.keyid,
    verifier: {
      id: trusted.keyid,
      algs: [SIGNATURE_ALG],
      verify: createVerifier(trusted.publicKey, SIGNATURE_ALG),
    },
    requiredComponents: COVERED_COMPONENTS,
    requiredParams: SIGNATURE_PARAMS,
    // The library subtracts the tolerance before comparing the age, so add it back.
    maxAgeS: MAX_SIGNATURE_AGE_S + CLOCK_SKEW_S,
    toleranceS: CLOCK_SKEW_S,
  });
}

function header(headers: Headers, name: string): string | undefined {
  const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name);
  if (!entry) return undefined;
  return Array.isArray(entry[1]) ? entry[1].join(', ') : entry[1];
}
