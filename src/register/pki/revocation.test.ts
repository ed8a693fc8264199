import { describe, expect, it } from 'vitest';
import {
  escalates,
  isCompromise,
  isRevocationReason,
  REVOCATION_REASONS,
  revocationVerdict,
} from './revocation.js';

const revokedAt = new Date('2025-06-01T12:00:00Z');
const beforeRevocation = new Date('2025-06-01T11:59:59.999Z');
const afterRevocation = new Date('2025-06-02T00:00:00Z');

describe('revocationVerdict', () => {
  it('leaves a certificate that is not revoked valid', () => {
    expect(revocationVerdict(undefined, afterRevocation)).toEqual({ revoked: false });
  });

  it.each([
    'keyCompromise',
    'cACompromise',
    'aACompromise',
  ] as const)('%s means the certificate was never valid, even for signatures before the revocation', (reason) => {
    for (const sigT of [new Date('2020-01-01T00:00:00Z'), beforeRevocation, revokedAt, afterRevocation]) {
      const verdict = revocationVerdict({ revokedAt, reason }, sigT);
      expect(verdict.revoked).toBe(true);
      expect(verdict.revoked && verdict.message).toContain(reason);
    }
  });

  it.each([
    'unspecified',
    'affiliationChanged',
    'superseded',
    'cessationOfOperation',
    'certificateHold',
    'privilegeWithdrawn',
  ] as const)('%s ends validity at the revocation time only', (reason) => {
    expect(revocationVerdict({ revokedAt, reason }, beforeRevocation)).toEqual({ revoked: false });
    expect(revocationVerdict({ revokedAt, reason }, revokedAt).revoked).toBe(true);
    expect(revocationVerdict({ revokedAt, reason }, afterRevocation).revoked).toBe(true);
  });
});

describe('revocation reasons', () => {
  it('are the RFC 5280 names, and nothing else', () => {
    expect(REVOCATION_REASONS).toHaveLength(9);
    expect(isRevocationReason('superseded')).toBe(true);
    expect(isRevocationReason('Superseded')).toBe(false);
    expect(isRevocationReason('removeFromCRL')).toBe(false);
    expect(isRevocationReason(4)).toBe(false);
    expect(REVOCATION_REASONS.filter(isCompromise)).toEqual([
      'keyCompromise',
      'cACompromise',
      'aACompromise',
    ]);
  });

  it('escalate only from a non-compromise reason to a compromise', () => {
    expect(escalates('superseded', 'keyCompromise')).toBe(true);
    expect(escalates('keyCompromise', 'cACompromise')).toBe(false);
    expect(escalates('superseded', 'cessationOfOperation')).toBe(false);
    expect(escalates('keyCompromise', 'superseded')).toBe(false);
  });
});
