/**
 * Does a sign-up's claim match the demographics record (pure; HAZ-WRONG-PATIENT)? Surname case-
 * and accent-insensitive, birth date exact, postcode normalised; a deceased or merged record never
 * matches. The reason is for the audit trail only: the person is always told the same thing.
 */
import type { DemographicsRecord } from './demographics.js';

export interface MatchClaim {
  family: string;
  birthDate: string;
  /** Normalised, as registration-input.ts gives it. */
  postcode: string;
}

export type MatchReason = 'no record' | 'surname' | 'birth date' | 'postcode' | 'deceased' | 'merged';

export type MatchVerdict = { matched: true } | { matched: false; reason: MatchReason };

/** `Jérôme  O’Brien` and `jerome o'brien` compare equal; nothing else is loosened. */
export function foldName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .toLowerCase()
    .trim()
    .replace(/\s+/g, ' ');
}

export function judgeMatch(claim: MatchClaim, record: DemographicsRecord | undefined): MatchVerdict {
  if (!record) return { matched: false, reason: 'no record' };
  if (record.merged) return { matched: false, reason: 'merged' };
  if (record.deceased) return { matched: false, reason: 'deceased' };
  if (record.family === undefined || foldName(record.family) !== foldName(claim.family)) {
    return { matched: false, reason: 'surname' };
  }
  if (record.birthDate !== claim.birthDate) return { matched: false, reason: 'birth date' };
  if (record.postcode === undefined || record.postcode !== claim.postcode) {
    return { matched: false, reason: 'postcode' };
  }
  return { matched: true };
}
