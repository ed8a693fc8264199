/**
 * The prescription state machine (EPS status codes), pure. Every change to a prescription's
 * status — release, dispense, return, withdraw, claim, cancel, expiry, no-claim — goes through
 * `transition`, which either returns the next state or a Problem; a (status, action) pair not
 * defined here is refused with INVALID_STATE_TRANSITION.
 *
 * Item statuses are derived, never stored independently: from the item's cancellation or
 * expiry, whether the prescription is with a dispenser, and the dispense records applied so far
 * (each record is one dispense notification; an amendment replaces its record, a withdrawal
 * removes the latest). Deriving them is what makes amendments and withdrawals exact.
 */
import { forbidden, Problem } from '../../platform/errors/problem.js';
import {
  cancelLaterIssues,
  claimIssue,
  rescheduleAfter,
  settleEarlierIssue,
  startNextIssue,
} from '../repeat/repeat-transitions.js';
import type { ItemStatus, PrescriptionStatus } from './codes.js';
import {
  type Action,
  type ActionType,
  type CancelCode,
  type DispenseLine,
  type DispenseLineType,
  type DispenseRecord,
  type ItemState,
  type PrescriptionState,
  RESTATING_LINES,
  type TransitionResult,
} from './state.js';

// The state's types and tables live in state.ts; importers of the machine keep finding them here.
export {
  ACTION_TYPES,
  type Action,
  type ActionType,
  CANCEL_CODES,
  type CancelCode,
  type DispenseLine,
  type DispenseLineType,
  type DispenseRecord,
  type ItemState,
  type PrescriptionState,
  RESTATING_LINES,
  type TransitionResult,
} from './state.js';

/** The statuses each action may start from; any other status is INVALID_STATE_TRANSITION. */
export const ALLOWED_FROM: Record<ActionType, readonly PrescriptionStatus[]> = {
  release: ['0001', '0002', '0003'],
  dispense: ['0002', '0003', '0006', '0007'],
  return: ['0002'],
  withdraw: ['0003', '0006', '0007'],
  claim: ['0003', '0006', '0007'],
  cancel: ['0001', '0002', '0003', '0004', '0005', '0006', '0007', '0008', '0009'],
  expire: ['0001', '0002'],
  'no-claim': ['0003', '0006', '0007'],
  'next-issue': ['0006', '0007', '0008', '0009'],
};

const WITH_DISPENSER: readonly PrescriptionStatus[] = ['0002', '0003', '0006', '0007', '0008', '0009'];

function invalid(action: ActionType, status: PrescriptionStatus, why?: string): Problem {
  return new Problem(
    'INVALID_STATE_TRANSITION',
    why ?? `A prescription with status ${status} cannot be the subject of '${action}'`,
  );
}

/** What a pharmacy does to a prescription once it has been released to it. */
const DISPENSING_ACTIONS: ReadonlySet<ActionType> = new Set(['dispense', 'return', 'withdraw', 'claim']);

/**
 * Dispense, return, withdraw and claim of a prescription that is not released to the caller's
 * pharmacy: one answer whatever its status, so another pharmacy learns nothing about it (not
 * whether it was dispensed, claimed, cancelled or expired). Release keeps its own answers
 * (PRESCRIPTION_WITH_ANOTHER_DISPENSER, docs/api.md §7).
 */
export function notReleasedToCaller(): Problem {
  return forbidden('This prescription is not released to your pharmacy');
}

/** Refuses a claim by a pharmacy that holds no issue of the prescription (see above). */
export function assertHeldBy(state: PrescriptionState, pharmacy: string): void {
  if (state.dispenser === pharmacy) return;
  if (state.repeat?.earlier.some((issue) => issue.dispenser === pharmacy)) return;
  throw notReleasedToCaller();
}

/** Refuses a dispensing action on a prescription not released to `pharmacy` (see above). */
export function assertReleasedTo(state: PrescriptionState, pharmacy: string): void {
  if (state.dispenser !== pharmacy) throw notReleasedToCaller();
}

/** The one entry point: the next state for `action`, or a Problem explaining the refusal. */
export function transition(state: PrescriptionState, action: Action): TransitionResult {
  if (action.type === 'next-issue') {
    if (!state.repeat)
      throw invalid(action.type, state.status, 'Only a repeat-dispensing prescription has further issues');
    return startNextIssue(state, new Date(action.at));
  }
  if ((action.type === 'claim' || action.type === 'no-claim') && state.repeat) {
    const issue =
      action.type === 'claim'
        ? claimIssue(state, action.pharmacy, action.issue)
        : (action.issue ?? state.repeat.issue);
    if (issue < state.repeat.issue) {
      return settleEarlierIssue(
        state,
        issue,
        action.type === 'claim' ? '0008' : '0009',
        'pharmacy' in action ? action.pharmacy : undefined,
      );
    }
    return { ...basicTransition(state, action), issue };
  }
  const result = basicTransition(state, action);
  if (!state.repeat) return result;
  if (action.type === 'cancel') return cancelLaterIssues(state, result);
  if (action.type === 'expire') {
    const { nextIssueFrom: _next, ...repeat } = state.repeat;
    return { ...result, state: { ...result.state, repeat: { ...repeat, ended: 'expired' } } };
  }
  if (action.type === 'dispense' || action.type === 'withdraw') {
    return rescheduleAfter(state, result, action.at ? new Date(action.at) : new Date());
  }
  return result;
}

function basicTransition(
  state: PrescriptionState,
  action: Exclude<Action, { type: 'next-issue' }>,
): TransitionResult {
  if (DISPENSING_ACTIONS.has(action.type) && 'pharmacy' in action) assertReleasedTo(state, action.pharmacy);
  if (!ALLOWED_FROM[action.type].includes(state.status)) {
    // Release of another pharmacy's prescription: say so rather than describe a status it may not see.
    if ('pharmacy' in action && holdsIt(state) && state.dispenser !== action.pharmacy) throw withAnother();
    throw invalid(action.type, state.status, refusalReason(action.type, state.status));
  }
  switch (action.type) {
    case 'release':
      return release(state, action.pharmacy);
    case 'dispense':
      return dispense(state, action.record);
    case 'return':
      return { state: { ...state, status: '0001', dispenser: undefined } };
    case 'withdraw':
      return withdraw(state);
    case 'claim':
      if (state.status === '0003' && state.dispenses.length === 0) throw invalid('claim', state.status);
      return { state: { ...state, status: '0008' } };
    case 'cancel':
      return cancel(state, action.itemIds);
    case 'expire':
      return {
        state: {
          ...state,
          status: '0004',
          items: state.items.map((item) => (item.cancelled ? item : { ...item, expired: true })),
        },
      };
    case 'no-claim':
      if (state.dispenses.length === 0) throw invalid('no-claim', state.status);
      return { state: { ...state, status: '0009' } };
  }
}

function refusalReason(action: ActionType, status: PrescriptionStatus): string | undefined {
  if (action === 'claim' && status === '0008') return 'The prescription has already been claimed';
  if ((action === 'withdraw' || action === 'dispense') && (status === '0008' || status === '0009')) {
    return `The prescription has been ${status === '0008' ? 'claimed' : 'closed unclaimed'}; it cannot change`;
  }
  if (status === '0005') return `The prescription was cancelled; '${action}' is not possible`;
  if (status === '0004') return `The prescription has expired; '${action}' is not possible`;
  if (action === 'return' && (status === '0003' || status === '0006' || status === '0007')) {
    return 'Dispensing has started: withdraw the dispense notifications before returning it';
  }
  return undefined;
}

function holdsIt(state: PrescriptionState): boolean {
  return state.dispenser !== undefined && WITH_DISPENSER.includes(state.status);
}

function withAnother(): Problem {
  return new Problem('PRESCRIPTION_WITH_ANOTHER_DISPENSER', 'The prescription is with another dispenser');
}

function requireDispenser(state: PrescriptionState, pharmacy: string): void {
  if (state.dispenser !== pharmacy) throw withAnother();
}

function release(state: PrescriptionState, pharmacy: string): TransitionResult {
  if (state.status === '0001') return { state: { ...state, status: '0002', dispenser: pharmacy } };
  requireDispenser(state, pharmacy);
  return { state, unchanged: true };
}

function dispense(state: PrescriptionState, record: DispenseRecord): TransitionResult {
  const existing = state.dispenses.findIndex((earlier) => earlier.id === record.id);
  // Once final (0006/0007) only an amendment of an earlier notification may follow.
  if ((state.status === '0006' || state.status === '0007') && existing === -1) {
    throw invalid(
      'dispense',
      state.status,
      'Every item is final; only an amendment of a notification is possible',
    );
  }
  const items = new Map(state.items.map((item) => [item.id, item]));
  const seen = new Set<string>();
  for (const line of record.lines) {
    const item = items.get(line.itemId);
    if (!item) throw new Problem('INVALID_VALUE', `Item ${line.itemId} is not part of this prescription`);
    if (seen.has(line.itemId)) throw new Problem('INVALID_VALUE', `Item ${line.itemId} appears twice`);
    seen.add(line.itemId);
    if (!Number.isFinite(line.quantity) || line.quantity < 0) {
      throw new Problem('INVALID_VALUE', `Item ${line.itemId}: the quantity must be zero or more`);
    }
    lineAllowed(state, item, line);
  }
  if (record.lines.length === 0) throw new Problem('MISSING_VALUE', 'A dispense notification needs items');
  const dispenses =
    existing === -1
      ? [...state.dispenses, record]
      : state.dispenses.map((earlier, index) => (index === existing ? record : earlier));
  for (const item of state.items) {
    const total = dispensedQuantity(dispenses, item.id);
    if (total > item.prescribedQuantity) {
      throw new Problem(
        'QUANTITY_EXCEEDED',
        `Item ${item.id}: ${total} dispensed in all, more than the ${item.prescribedQuantity} prescribed`,
      );
    }
  }
  return { state: settle({ ...state, dispenses }) };
}

/** Refuses a line the item's state does not allow, with the state-transition code. */
function lineAllowed(state: PrescriptionState, item: ItemState, line: DispenseLine): void {
  if (RESTATING_LINES.has(line.type) && line.quantity > 0) {
    throw new Problem(
      'INVALID_VALUE',
      `Item ${line.itemId}: an item reported as ${line.type} supplies nothing`,
    );
  }
  if (line.type === 'cancelled') {
    if (!item.cancelled) {
      throw invalid(
        'dispense',
        state.status,
        `Item ${line.itemId} was not cancelled: it cannot be reported as cancelled`,
      );
    }
    return;
  }
  if (item.cancelled) {
    throw invalid('dispense', state.status, `Item ${line.itemId} was cancelled by the prescriber`);
  }
  if (line.type === 'expired' && !item.expired) {
    throw invalid(
      'dispense',
      state.status,
      `Item ${line.itemId} has not expired: it cannot be reported as expired`,
    );
  }
}

function withdraw(state: PrescriptionState): TransitionResult {
  if (state.dispenses.length === 0)
    throw invalid('withdraw', state.status, 'There is no dispense notification to withdraw');
  const dispenses = state.dispenses.slice(0, -1);
  if (dispenses.length === 0) return { state: { ...state, dispenses, status: '0002' } };
  return { state: settle({ ...state, dispenses }) };
}

function cancel(state: PrescriptionState, itemIds: string[]): TransitionResult {
  const outcomes: Array<{ itemId: string; code: CancelCode }> = [];
  const cancelledNow = new Set<string>();
  for (const itemId of itemIds) {
    const item = state.items.find((candidate) => candidate.id === itemId);
    outcomes.push({ itemId, code: cancelCode(state, item) });
    if (item && (outcomes.at(-1)!.code === 'R-0001' || outcomes.at(-1)!.code === 'R-0002')) {
      cancelledNow.add(itemId);
    }
  }
  if (cancelledNow.size === 0) return { state, cancelled: outcomes };
  const withDispenser = state.status === '0002' || state.status === '0003';
  const items = state.items.map((item) =>
    cancelledNow.has(item.id)
      ? { ...item, cancelled: true, ...(withDispenser ? { cancelledWithDispenser: true } : {}) }
      : item,
  );
  let next: PrescriptionState = { ...state, items };
  if (items.every((item) => item.cancelled)) next = { ...next, status: '0005' };
  else if (state.status === '0003') next = settle(next);
  return { state: next, cancelled: outcomes };
}

function cancelCode(state: PrescriptionState, item: ItemState | undefined): CancelCode {
  if (!item) return 'R-0008';
  if (item.cancelled) return 'R-0006';
  if (state.status === '0004' || item.expired) return 'R-0005';
  const status = itemStatus(state, item);
  if (status === '0001' || status === '0002') return 'R-0004';
  if (['0006', '0007', '0008', '0009'].includes(state.status)) return 'R-0004';
  if (state.status === '0002' || state.status === '0003') return 'R-0002';
  return 'R-0001';
}

/** Total quantity of an item supplied by the given dispense records. */
export function dispensedQuantity(dispenses: readonly DispenseRecord[], itemId: string): number {
  let total = 0;
  for (const record of dispenses) {
    for (const line of record.lines) if (line.itemId === itemId) total += line.quantity;
  }
  return total;
}

const LINE_STATUS: Record<DispenseLineType, ItemStatus | undefined> = {
  dispensed: '0001',
  'not-dispensed': '0002',
  partial: '0003',
  owing: '0004',
  // Restating lines leave the item's status to its cancellation, expiry and earlier lines.
  cancelled: undefined,
  expired: undefined,
  'to-be-dispensed': undefined,
  'with-dispenser': undefined,
};

/** An item's EPS status, derived from the prescription's state. */
export function itemStatus(state: PrescriptionState, item: ItemState): ItemStatus {
  if (item.cancelled) return '0005';
  if (item.expired) return '0006';
  let latest: ItemStatus | undefined;
  for (const record of state.dispenses) {
    for (const line of record.lines) if (line.itemId === item.id) latest = LINE_STATUS[line.type] ?? latest;
  }
  if (latest) return latest;
  return WITH_DISPENSER.includes(state.status) ? '0008' : '0007';
}

const FINAL_ITEM: readonly ItemStatus[] = ['0001', '0002', '0005', '0006'];

/** After dispense records change: all items final → 0006 (or 0007 if nothing supplied), else 0003. */
function settle(state: PrescriptionState): PrescriptionState {
  const statuses = state.items.map((item) => itemStatus(state, item));
  if (!statuses.every((status) => FINAL_ITEM.includes(status))) return { ...state, status: '0003' };
  const supplied = state.items.some(
    (item) => !item.cancelled && dispensedQuantity(state.dispenses, item.id) > 0,
  );
  return { ...state, status: supplied ? '0006' : '0007' };
}
