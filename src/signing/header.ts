/**
 * The compact detached JWS and its protected header, checked member by member (docs/api.md §5
 * steps 2 and 3). Every failure is INVALID_SIGNATURE with a message that says what is wrong.
 */
import { type ParsedCertificate, parseX5cCertificate } from './certificate-cache.js';
import { fromBase64url, fromUtf8 } from './encoding.js';
import { SignatureError } from './errors.js';
import { isSignatureAlgorithm } from './keys.js';
import { parseRfc3339 } from './rfc3339.js';
import { HEADER_MEMBERS, isRecord, SIGNATURE_ALGORITHMS, type SignatureAlgorithm } from './scheme.js';

export interface DetachedJws {
  /** The first part, base64url of the protected header as signed. */
  encodedHeader: string;
  /** The third part, base64url. */
  encodedSignature: string;
}

export interface ProtectedHeader {
  alg: SignatureAlgorithm;
  /** As written in the header (RFC 3339). */
  sigT: string;
  signingTime: Date;
  /** x5c decoded, leaf first. */
  certificates: ParsedCertificate[];
}

function invalid(message: string, expression?: string): SignatureError {
  return new SignatureError('INVALID_SIGNATURE', message, expression);
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** `header..signature`: three parts, the middle one empty. Does not look inside the parts. */
export function splitDetachedJws(jws: string, expression?: string): DetachedJws {
  const parts = jws.split('.');
  if (parts.length !== 3) {
    throw invalid('the signature is not a compact JWS (header..signature)', expression);
  }
  const [encodedHeader, payload, encodedSignature] = parts as [string, string, string];
  if (payload !== '') {
    throw invalid(
      'the JWS payload part must be empty: the payload is detached (RFC 7515 appendix F)',
      expression,
    );
  }
  return { encodedHeader, encodedSignature };
}

function decodeHeaderJson(encodedHeader: string, expression?: string): Record<string, unknown> {
  const bytes = encodedHeader === '' ? undefined : fromBase64url(encodedHeader);
  const text = bytes && fromUtf8(bytes);
  if (text === undefined)
    throw invalid('the JWS protected header is not base64url of UTF-8 text', expression);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch {
    throw invalid('the JWS protected header is not JSON', expression);
  }
  if (!isRecord(header)) throw invalid('the JWS protected header is not a JSON object', expression);
  return header;
}

function checkMembers(header: Record<string, unknown>, expression?: string): void {
  const allowed: readonly string[] = HEADER_MEMBERS;
  const extra = Object.keys(header).filter((name) => !allowed.includes(name));
  if (extra.length > 0) {
    throw invalid(
      `the JWS protected header has members the scheme does not allow: ${extra.join(', ')}`,
      expression,
    );
  }
  const missing = HEADER_MEMBERS.filter((name) => !Object.hasOwn(header, name));
  if (missing.length > 0) {
    throw invalid(`the JWS protected header lacks ${missing.join(', ')}`, expression);
  }
}

function readCertificates(x5c: unknown, expression?: string): ProtectedHeader['certificates'] {
  if (!Array.isArray(x5c) || x5c.length === 0) {
    throw invalid('x5c must be an array of one or more base64 DER certificates, leaf first', expression);
  }
  return x5c.map((value, index) => {
    const parsed = typeof value === 'string' ? parseX5cCertificate(value) : undefined;
    if (!parsed) {
      throw invalid(`x5c[${index}] is not a base64 (not base64url) DER X.509 certificate`, expression);
    }
    return parsed;
  });
}

/** The protected header with exactly alg, x5c, sigT and crit, each valid; throws SignatureError otherwise. */
export function parseProtectedHeader(encodedHeader: string, expression?: string): ProtectedHeader {
  const header = decodeHeaderJson(encodedHeader, expression);
  checkMembers(header, expression);
  const { alg, x5c, sigT, crit } = header;
  if (!isSignatureAlgorithm(alg)) {
    throw invalid(`alg must be one of ${SIGNATURE_ALGORITHMS.join(', ')}, not ${show(alg)}`, expression);
  }
  if (!Array.isArray(crit) || crit.length !== 1 || crit[0] !== 'sigT') {
    throw invalid(`crit must be exactly ["sigT"], not ${show(crit)}`, expression);
  }
  const signingTime = parseRfc3339(sigT);
  if (!signingTime) throw invalid(`sigT must be an RFC 3339 date-time, not ${show(sigT)}`, expression);
  return { alg, sigT: sigT as string, signingTime, certificates: readCertificates(x5c, expression) };
}
