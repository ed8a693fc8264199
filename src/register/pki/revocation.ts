/**
 * What a revocation means for a signature made at `sigT` (pure). RFC 5280 reasons: a compromised
 * key (the subject's, the CA's or an attribute authority's) means anyone may have signed with it at
 * any time, so the certificate was never trustworthy; any other reason ends its validity at the
 * revocation time and leaves earlier signatures standing.
 */
export const REVOCATION_REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  'privilegeWithdrawn',
  'aACompromise',
] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

/** CRLReason codes (RFC 5280 5.3.1); 7 is unused and removeFromCRL (8) is not offered. */
export const CRL_REASON_CODES: Record<RevocationReason, number> = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  privilegeWithdrawn: 9,
  aACompromise: 10,
};

const COMPROMISE: ReadonlySet<RevocationReason> = new Set(['keyCompromise', 'cACompromise', 'aACompromise']);

export function isRevocationReason(value: unknown): value is RevocationReason {
  return typeof value === 'string' && (REVOCATION_REASONS as readonly string[]).includes(value);
}

export function isCompromise(reason: RevocationReason): boolean {
  return COMPROMISE.has(reason);
}

export interface Revocation {
  revokedAt: Date;
  reason: RevocationReason;
}

export type RevocationVerdict = { revoked: false } | { revoked: true; message: string };

export function revocationVerdict(revocation: Revocation | undefined, sigT: Date): RevocationVerdict {
  if (!revocation) return { revoked: false };
  const when = revocation.revokedAt.toISOString();
  if (isCompromise(revocation.reason)) {
    return {
      revoked: true,
      message: `The signing certificate was revoked (${revocation.reason}) at ${when}: it is not trusted for any signature`,
    };
  }
  if (sigT.getTime() >= revocation.revokedAt.getTime()) {
    return {
      revoked: true,
      message: `The signing certificate was revoked (${revocation.reason}) at ${when}, before the signing time ${sigT.toISOString()}`,
    };
  }
  return { revoked: false };
}

/**
 * Whether a certificate already revoked may be revoked again with `next`: only to say that its key
 * was compromised after all (which reaches back to every signature); anything else changes nothing.
 */
export function escalates(current: RevocationReason, next: RevocationReason): boolean {
  return isCompromise(next) && !isCompromise(current);
}
