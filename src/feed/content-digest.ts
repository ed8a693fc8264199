/**
 * RFC 9530 Content-Digest: a Structured Fields dictionary of `algorithm=:base64 digest:` over the
 * message content as sent. The feed sends sha-256; a verifier checks every algorithm it knows
 * (sha-256, sha-512), insists on sha-256, and ignores the ones it does not know (RFC 9530 §2).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const HASHES = { 'sha-256': 'sha256', 'sha-512': 'sha512' } as const;
type KnownAlgorithm = keyof typeof HASHES;

/** `sha-256=:<base64>:` for `content`. */
export function contentDigest(content: string | Buffer): string {
  return `sha-256=:${digestOf('sha-256', content).toString('base64')}:`;
}

export type DigestCheck = { ok: true } | { ok: false; reason: string };

/** Checks a Content-Digest header against the content received. */
export function verifyContentDigest(header: string | undefined, content: string | Buffer): DigestCheck {
  if (header === undefined || header.trim() === '') return { ok: false, reason: 'no Content-Digest' };
  const entries = parseDigestDictionary(header);
  if (!entries) return { ok: false, reason: 'Content-Digest is not a dictionary of byte sequences' };
  if (!entries.has('sha-256')) return { ok: false, reason: 'Content-Digest has no sha-256' };
  for (const [algorithm, claimed] of entries) {
    if (!(algorithm in HASHES)) continue;
    const actual = digestOf(algorithm as KnownAlgorithm, content);
    if (claimed.length !== actual.length || !timingSafeEqual(claimed, actual)) {
      return { ok: false, reason: `Content-Digest ${algorithm} does not match the content` };
    }
  }
  return { ok: true };
}

/**
 * The members of an SF dictionary whose values are byte sequences (`key=:base64:`), or undefined
 * when the text is not one. Parameters on a member (`;p=1`) are allowed and ignored.
 */
export function parseDigestDictionary(header: string): Map<string, Buffer> | undefined {
  const members = new Map<string, Buffer>();
  for (const raw of header.split(',')) {
    const member = raw.trim();
    const match = /^([a-z*][a-z0-9_.*-]*)=:([A-Za-z0-9+/]*={0,2}):(;.*)?$/.exec(member);
    if (!match) return undefined;
    const [, key, base64] = match;
    members.set(key!, Buffer.from(base64!, 'base64'));
  }
  return members.size > 0 ? members : undefined;
}

function digestOf(algorithm: KnownAlgorithm, content: string | Buffer): Buffer {
  return createHash(HASHES[algorithm]).update(content).digest();
}
