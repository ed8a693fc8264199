/**
 * Electronic repeat dispensing (eRD), pure: a prescription authorised for N issues. The row's
 * state is always the current issue (status, dispenser, items, dispenses) and `repeat` says which
 * issue it is, when the next may start and what became of the earlier ones.
 *
 * - Issue 1 is available at once.
 * - Issue n+1 may start once issue n is final (dispensed, not dispensed — "not required" — or
 *   claimed) and its interval allows: from the start of the London day `interval − 7` days after
 *   the dispense (EPS's early window: a week before the supply runs out; at once for weekly ones).
 * - No issue starts at or after the authorisation expiry, nor past the last issue, nor when the
 *   prescriber cancelled every item for the issues to come.
 */
import type { PrescriptionStatus } from '../status/codes.js';
import { addDays, isoDateOnly, londonDate, startOfLondonDay } from './london-days.js';

/** Which issue of an eRD a released Bundle, a tracker Task or a Claim is about. */
export const PRESCRIPTION_ISSUE_EXTENSION =
  'https://fhir.pathways.dev/StructureDefinition/prescription-issue';
export const PRESCRIPTION_ISSUE_SYSTEM = 'https://fhir.pathways.dev/Id/prescription-issue';

/** How many days before the previous supply runs out the next issue may be released (EPS). */
export const EARLY_WINDOW_DAYS = 7;

export interface IssueItem {
  id: string;
  prescribedQuantity: number;
  cancelled: boolean;
  cancelledWithDispenser?: boolean;
  expired: boolean;
}

export interface EarlierIssue {
  issue: number;
  status: PrescriptionStatus;
  dispenser?: string;
  items: IssueItem[];
  dispenses: Array<{ id: string; lines: Array<{ itemId: string; type: string; quantity: number }> }>;
  /** When the issue was last dispensed (its claim period runs from here). */
  dispensedAt?: string;
}

export interface RepeatState {
  /** The current issue, from 1. */
  issue: number;
  /** Issues authorised (numberOfRepeatsAllowed + 1). */
  issues: number;
  intervalDays: number;
  /** The instant from which no issue may start (the end of the authorisation expiry date). */
  authorisedUntil: string;
  /** When the current issue started (issues after the first). */
  issueStartedAt?: string;
  /** When the current issue was last dispensed. */
  dispensedAt?: string;
  /** When the next issue may start; set once the current issue is final and another may follow. */
  nextIssueFrom?: string;
  /** Items the prescriber cancelled for every issue still to come. */
  cancelledItems: string[];
  /** Why no further issue will start, once that is known. */
  ended?: 'completed' | 'cancelled' | 'expired';
  earlier: EarlierIssue[];
}

/** Statuses in which an issue is over and the next may follow. */
export const ISSUE_FINAL: readonly PrescriptionStatus[] = ['0006', '0007', '0008', '0009'];

/** The instant an authorisation expiry ends: a date is valid through that London day. */
export function authorisedUntilOf(expiry: string): Date {
  if (isoDateOnly(expiry)) return startOfLondonDay(addDays(expiry, 1));
  return new Date(expiry);
}

export function initialRepeatState(terms: {
  issues: number;
  intervalDays: number;
  authorisationExpiry: string;
}): RepeatState {
  return {
    issue: 1,
    issues: terms.issues,
    intervalDays: terms.intervalDays,
    authorisedUntil: authorisedUntilOf(terms.authorisationExpiry).toISOString(),
    cancelledItems: [],
    earlier: [],
  };
}

/** When the issue after one dispensed at `dispensedAt` may start. */
export function nextIssueDate(dispensedAt: Date, intervalDays: number): Date {
  const day = addDays(londonDate(dispensedAt), Math.max(0, intervalDays - EARLY_WINDOW_DAYS));
  const start = startOfLondonDay(day);
  return start < dispensedAt ? dispensedAt : start;
}

/**
 * After an issue's status changed at `at`: once it is final the next issue is scheduled (or the
 * course ends); while it is not, nothing is scheduled. Claims keep what dispensing scheduled.
 */
export function scheduleNextIssue(
  repeat: RepeatState,
  before: PrescriptionStatus,
  after: PrescriptionStatus,
  at: Date,
  allCancelled: boolean,
): RepeatState {
  const { nextIssueFrom: _next, ended: _ended, ...rest } = repeat;
  const dispensedNow = after === '0006' || after === '0007';
  if (!ISSUE_FINAL.includes(after)) return rest;
  if (!dispensedNow || (ISSUE_FINAL.includes(before) && repeat.dispensedAt)) {
    // A claim, or an amendment of a final issue: the schedule set when it became final stands.
    return repeat;
  }
  const dispensed = { ...rest, dispensedAt: at.toISOString() };
  if (allCancelled) return { ...dispensed, ended: 'cancelled' };
  if (repeat.issue >= repeat.issues) return { ...dispensed, ended: 'completed' };
  const next = nextIssueDate(at, repeat.intervalDays);
  if (next >= new Date(repeat.authorisedUntil)) return { ...dispensed, ended: 'expired' };
  return { ...dispensed, nextIssueFrom: next.toISOString() };
}

export type NextIssueRefusal = 'not-final' | 'not-yet' | 'ended' | 'last-issue' | 'authorisation-expired';

/** Whether the next issue may start at `at`, and if not, why. */
export function nextIssueRefusal(
  repeat: RepeatState,
  status: PrescriptionStatus,
  at: Date,
): NextIssueRefusal | undefined {
  if (repeat.ended) return 'ended';
  if (repeat.issue >= repeat.issues) return 'last-issue';
  if (!ISSUE_FINAL.includes(status)) return 'not-final';
  if (at >= new Date(repeat.authorisedUntil)) return 'authorisation-expired';
  if (!repeat.nextIssueFrom || at < new Date(repeat.nextIssueFrom)) return 'not-yet';
  return undefined;
}

export const NEXT_ISSUE_REFUSALS: Record<NextIssueRefusal, string> = {
  'not-final': 'The current issue is not finished: dispense it or mark it not dispensed first',
  'not-yet': 'The next issue is not available yet',
  ended: 'No further issue of this prescription will be made',
  'last-issue': 'Every authorised issue has been made',
  'authorisation-expired': 'The repeat-dispensing authorisation has expired',
};

/** When the earliest unclaimed earlier issue was dispensed (for the no-claim job), if any. */
export function earlierUnclaimedSince(repeat: RepeatState | undefined): Date | undefined {
  let earliest: Date | undefined;
  for (const issue of repeat?.earlier ?? []) {
    if ((issue.status === '0006' || issue.status === '0007') && issue.dispensedAt) {
      const at = new Date(issue.dispensedAt);
      if (!earliest || at < earliest) earliest = at;
    }
  }
  return earliest;
}
