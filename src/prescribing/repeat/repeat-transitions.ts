/**
 * The state machine's repeat-dispensing (eRD) steps, pure: starting the next issue, claims and
 * no-claims of earlier issues, cancelling items for the issues to come, and scheduling the next
 * issue when the current one becomes final. `state-machine.ts` calls these; nothing else should.
 */
import { forbidden, Problem } from '../../platform/errors/problem.js';
import type { PrescriptionStatus } from '../status/codes.js';
import type { CancelCode, PrescriptionState, TransitionResult } from '../status/state-machine.js';
import {
  type EarlierIssue,
  NEXT_ISSUE_REFUSALS,
  nextIssueRefusal,
  type RepeatState,
  scheduleNextIssue,
} from './repeat-state.js';

function refused(why: string): Problem {
  return new Problem('INVALID_STATE_TRANSITION', why);
}

function notRepeat(action: string): Problem {
  return refused(`'${action}' applies only to a repeat-dispensing prescription`);
}

/** Starts the next issue at `at`: the current one joins the earlier issues. */
export function startNextIssue(state: PrescriptionState, at: Date): TransitionResult {
  const repeat = state.repeat;
  if (!repeat) throw notRepeat('next-issue');
  const refusal = nextIssueRefusal(repeat, state.status, at);
  if (refusal === 'authorisation-expired') {
    // Nothing more will be issued: say so once, so the job stops looking at it.
    const { nextIssueFrom: _next, ...rest } = repeat;
    return { state: { ...state, repeat: { ...rest, ended: 'expired' } }, ended: true };
  }
  if (refusal) {
    const when = refusal === 'not-yet' && repeat.nextIssueFrom ? `: from ${repeat.nextIssueFrom}` : '';
    throw refused(`${NEXT_ISSUE_REFUSALS[refusal]}${when}`);
  }
  const finished: EarlierIssue = {
    issue: repeat.issue,
    status: state.status,
    ...(state.dispenser ? { dispenser: state.dispenser } : {}),
    items: state.items,
    dispenses: state.dispenses,
    ...(repeat.dispensedAt ? { dispensedAt: repeat.dispensedAt } : {}),
  };
  const { nextIssueFrom: _next, dispensedAt: _dispensed, ...rest } = repeat;
  return {
    state: {
      status: '0001',
      ...(state.nominatedPharmacy ? { nominatedPharmacy: state.nominatedPharmacy } : {}),
      items: state.items.map((item) => ({
        id: item.id,
        prescribedQuantity: item.prescribedQuantity,
        cancelled: repeat.cancelledItems.includes(item.id),
        expired: false,
      })),
      dispenses: [],
      repeat: {
        ...rest,
        issue: repeat.issue + 1,
        issueStartedAt: at.toISOString(),
        earlier: [...repeat.earlier, finished],
      },
    },
  };
}

/** The issue a claim is for: the one named, else the oldest unclaimed one this pharmacy dispensed. */
export function claimIssue(state: PrescriptionState, pharmacy: string, named?: number): number {
  const repeat = state.repeat;
  const current = repeat?.issue ?? 1;
  if (named !== undefined) {
    if (!Number.isInteger(named) || named < 1 || named > current) {
      throw new Problem('INVALID_VALUE', `Issue ${named} of this prescription has not been made`);
    }
    return named;
  }
  const oldest = repeat?.earlier.find(
    (issue) => issue.dispenser === pharmacy && (issue.status === '0006' || issue.status === '0007'),
  );
  return oldest?.issue ?? current;
}

/** Claim (→ 0008) or no-claim (→ 0009) of an issue before the current one. */
export function settleEarlierIssue(
  state: PrescriptionState,
  issueNumber: number,
  outcome: '0008' | '0009',
  pharmacy?: string,
): TransitionResult {
  const repeat = state.repeat!;
  const issue = repeat.earlier.find((candidate) => candidate.issue === issueNumber);
  if (!issue)
    throw new Problem('INVALID_VALUE', `Issue ${issueNumber} of this prescription has not been made`);
  // Another pharmacy learns nothing about an issue it did not dispense.
  if (pharmacy !== undefined && issue.dispenser !== pharmacy) {
    throw forbidden('This prescription is not released to your pharmacy');
  }
  if (issue.status !== '0006' && issue.status !== '0007') {
    throw refused(
      issue.status === '0008'
        ? `Issue ${issueNumber} has already been claimed`
        : `Issue ${issueNumber} was closed unclaimed; it cannot change`,
    );
  }
  const earlier = repeat.earlier.map((candidate) =>
    candidate.issue === issueNumber ? { ...candidate, status: outcome as PrescriptionStatus } : candidate,
  );
  return { state: { ...state, repeat: { ...repeat, earlier } }, issue: issueNumber };
}

/**
 * Cancelling items of an eRD prescription also cancels them for every issue still to come; an
 * item whose current issue was already dispensed is then answered R-0001 (its remaining issues
 * were cancelled). Cancelling every item ends the course.
 */
export function cancelLaterIssues(before: PrescriptionState, result: TransitionResult): TransitionResult {
  const repeat = result.state.repeat;
  if (!repeat || !result.cancelled) return result;
  const laterIssuesRemain = !repeat.ended && repeat.issue < repeat.issues;
  const cancelledItems = new Set(repeat.cancelledItems);
  const cancelled = result.cancelled.map((outcome): { itemId: string; code: CancelCode } => {
    const item = before.items.find((candidate) => candidate.id === outcome.itemId);
    if (!item) return outcome;
    if (cancelledItems.has(item.id)) {
      // Its issues to come were cancelled before: already cancelled, whatever became of this one.
      return outcome.code === 'R-0004' ? { itemId: outcome.itemId, code: 'R-0006' } : outcome;
    }
    if (outcome.code === 'R-0001' || outcome.code === 'R-0002') {
      cancelledItems.add(item.id);
      return outcome;
    }
    if (laterIssuesRemain && (outcome.code === 'R-0004' || outcome.code === 'R-0006')) {
      cancelledItems.add(item.id);
      return { itemId: outcome.itemId, code: 'R-0001' };
    }
    return outcome;
  });
  if (cancelledItems.size === repeat.cancelledItems.length) return { ...result, cancelled };
  const allCancelled = before.items.every((item) => cancelledItems.has(item.id));
  let nextRepeat: RepeatState = { ...repeat, cancelledItems: [...cancelledItems] };
  if (allCancelled) {
    const { nextIssueFrom: _next, ...rest } = nextRepeat;
    nextRepeat = { ...rest, ended: repeat.ended ?? 'cancelled' };
  }
  return { ...result, state: { ...result.state, repeat: nextRepeat }, cancelled };
}

/** After dispensing or withdrawing: schedule (or unschedule) the next issue. */
export function rescheduleAfter(
  before: PrescriptionState,
  result: TransitionResult,
  at: Date,
): TransitionResult {
  const repeat = result.state.repeat;
  if (!repeat) return result;
  const allCancelled = result.state.items.every((item) => repeat.cancelledItems.includes(item.id));
  const scheduled = scheduleNextIssue(repeat, before.status, result.state.status, at, allCancelled);
  return { ...result, state: { ...result.state, repeat: scheduled } };
}
