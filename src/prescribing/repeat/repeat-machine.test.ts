/**
 * The state machine for repeat dispensing (eRD): every (status, action) pair of a current issue
 * against its table, invariants over any sequence of actions and clock moves (fast-check), and the
 * course of issues: next issue, claims and no-claims of earlier issues, cancellation of the rest.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inStatus, outcome, P1, P2 } from '../../../test/support/prescribing/states.js';
import { Problem } from '../../platform/errors/problem.js';
import { PRESCRIPTION_STATUS_CODES, type PrescriptionStatus } from '../status/codes.js';
import {
  ACTION_TYPES,
  type Action,
  type ActionType,
  dispensedQuantity,
  type PrescriptionState,
  transition,
} from '../status/state-machine.js';
import { ISSUE_FINAL, initialRepeatState } from './repeat-state.js';

const NOW = new Date('2026-03-02T12:00:00Z');
const PAST = '2026-03-01T00:00:00.000Z';

/** An eRD (issue 1 of 3) in each status; final issues have their next issue due already. */
function erdInStatus(status: PrescriptionStatus): PrescriptionState {
  const state = inStatus(status);
  const repeat = initialRepeatState({ issues: 3, intervalDays: 28, authorisationExpiry: '2026-12-31' });
  if (ISSUE_FINAL.includes(status))
    return { ...state, repeat: { ...repeat, nextIssueFrom: PAST, dispensedAt: PAST } };
  if (status === '0004') return { ...state, repeat: { ...repeat, ended: 'expired' } };
  if (status === '0005')
    return { ...state, repeat: { ...repeat, cancelledItems: ['i1', 'i2'], ended: 'cancelled' } };
  return { ...state, repeat };
}

function action(type: ActionType, pharmacy = P1): Action {
  switch (type) {
    case 'release':
    case 'return':
    case 'claim':
      return { type, pharmacy };
    case 'withdraw':
      return { type, pharmacy, at: NOW.toISOString() };
    case 'dispense':
      return {
        type,
        pharmacy,
        at: NOW.toISOString(),
        record: { id: 'd-new', lines: [{ itemId: 'i2', type: 'partial', quantity: 1 }] },
      };
    case 'cancel':
      return { type, itemIds: ['i1'] };
    case 'expire':
    case 'no-claim':
      return { type };
    case 'next-issue':
      return { type, at: NOW.toISOString() };
  }
}

const I = 'INVALID_STATE_TRANSITION';
const F = 'FORBIDDEN';
/** The current issue behaves as a single prescription, plus next-issue; cancelling a final issue cancels the item for the issues to come. */
const TABLE: Record<PrescriptionStatus, Record<ActionType, string>> = {
  '0001': {
    release: '0002',
    dispense: F,
    return: F,
    withdraw: F,
    claim: F,
    cancel: '0001',
    expire: '0004',
    'no-claim': I,
    'next-issue': I,
  },
  '0002': {
    release: 'unchanged',
    dispense: '0003',
    return: '0001',
    withdraw: I,
    claim: I,
    cancel: '0002',
    expire: '0004',
    'no-claim': I,
    'next-issue': I,
  },
  '0003': {
    release: 'unchanged',
    dispense: '0003',
    return: I,
    withdraw: '0002',
    claim: '0008',
    cancel: '0003',
    expire: I,
    'no-claim': '0009',
    'next-issue': I,
  },
  '0004': {
    release: I,
    dispense: F,
    return: F,
    withdraw: F,
    claim: F,
    cancel: 'unchanged',
    expire: I,
    'no-claim': I,
    'next-issue': I,
  },
  '0005': {
    release: I,
    dispense: F,
    return: F,
    withdraw: F,
    claim: F,
    cancel: 'unchanged',
    expire: I,
    'no-claim': I,
    'next-issue': I,
  },
  '0006': {
    release: I,
    dispense: I,
    return: I,
    withdraw: '0002',
    claim: '0008',
    cancel: '0006',
    expire: I,
    'no-claim': '0009',
    'next-issue': '0001',
  },
  '0007': {
    release: I,
    dispense: I,
    return: I,
    withdraw: '0002',
    claim: '0008',
    cancel: '0007',
    expire: I,
    'no-claim': '0009',
    'next-issue': '0001',
  },
  '0008': {
    release: I,
    dispense: I,
    return: I,
    withdraw: I,
    claim: I,
    cancel: '0008',
    expire: I,
    'no-claim': I,
    'next-issue': '0001',
  },
  '0009': {
    release: I,
    dispense: I,
    return: I,
    withdraw: I,
    claim: I,
    cancel: '0009',
    expire: I,
    'no-claim': I,
    'next-issue': '0001',
  },
};

describe('repeat-dispensing state machine', () => {
  const pairs = PRESCRIPTION_STATUS_CODES.flatMap((status) =>
    ACTION_TYPES.map((type) => [status, type] as const),
  );

  it.each(pairs)('issue 1 at %s + %s is exactly as the table says', (status, type) => {
    expect(outcome(erdInStatus(status), action(type))).toBe(TABLE[status][type]);
  });

  it('refuses next-issue for a prescription that is not repeat-dispensed, whatever its status', () => {
    for (const status of PRESCRIPTION_STATUS_CODES)
      expect(outcome(inStatus(status), action('next-issue'))).toBe(I);
  });

  it('starts issue 2 at 0001 with fresh items, keeping issue 1 as it was', () => {
    const { state } = transition(erdInStatus('0006'), action('next-issue'));
    expect(state).toMatchObject({
      status: '0001',
      dispenses: [],
      nominatedPharmacy: P1,
    });
    expect(state.repeat).toMatchObject({ issue: 2, issues: 3 });
    expect(state.repeat?.nextIssueFrom).toBeUndefined();
    expect(state.repeat?.earlier).toEqual([
      expect.objectContaining({ issue: 1, status: '0006', dispenser: P1, dispensedAt: PAST }),
    ]);
    expect(state.items.every((item) => !item.cancelled && !item.expired)).toBe(true);
  });

  it('refuses the next issue before its time, after the last one, and ends the course at the authorisation expiry', () => {
    const early = {
      ...erdInStatus('0006'),
      repeat: { ...erdInStatus('0006').repeat!, nextIssueFrom: '2026-03-03T00:00:00.000Z' },
    };
    expect(() => transition(early, action('next-issue'))).toThrow(/not available yet: from 2026-03-03/);
    const last = { ...erdInStatus('0006'), repeat: { ...erdInStatus('0006').repeat!, issue: 3 } };
    expect(() => transition(last, action('next-issue'))).toThrow(/Every authorised issue/);
    const result = transition(erdInStatus('0006'), { type: 'next-issue', at: '2027-01-01T00:00:00Z' });
    expect(result.ended).toBe(true);
    expect(result.state.status).toBe('0006');
    expect(result.state.repeat).toMatchObject({ issue: 1, ended: 'expired' });
    expect(result.state.repeat?.nextIssueFrom).toBeUndefined();
  });

  it('claims an earlier issue after the next one started, once, and only by its pharmacy', () => {
    const second = transition(erdInStatus('0006'), action('next-issue')).state;
    expect(outcome(second, { type: 'claim', pharmacy: P2 })).toBe(F);
    const claimed = transition(second, { type: 'claim', pharmacy: P1 });
    expect(claimed.issue).toBe(1);
    expect(claimed.state.status).toBe('0001');
    expect(claimed.state.repeat?.earlier[0]?.status).toBe('0008');
    expect(outcome(claimed.state, { type: 'claim', pharmacy: P1, issue: 1 })).toBe(I);
    expect(outcome(claimed.state, { type: 'claim', pharmacy: P1, issue: 5 })).toBe('INVALID_VALUE');
  });

  it('closes an earlier issue unclaimed (0009) and then refuses its claim', () => {
    const second = transition(erdInStatus('0007'), action('next-issue')).state;
    const closed = transition(second, { type: 'no-claim', issue: 1 });
    expect(closed.state.repeat?.earlier[0]?.status).toBe('0009');
    expect(outcome(closed.state, { type: 'claim', pharmacy: P1, issue: 1 })).toBe(I);
  });

  it('cancels an item for every issue to come; cancelling all ends the course, even after a dispensed issue', () => {
    const dispensed = erdInStatus('0006');
    const one = transition(dispensed, { type: 'cancel', itemIds: ['i1'] });
    expect(one.cancelled).toEqual([{ itemId: 'i1', code: 'R-0001' }]);
    expect(one.state.status).toBe('0006');
    expect(one.state.repeat?.cancelledItems).toEqual(['i1']);
    const next = transition(one.state, action('next-issue')).state;
    expect(next.items.map((item) => item.cancelled)).toEqual([true, false]);
    const all = transition(one.state, { type: 'cancel', itemIds: ['i2'] });
    expect(all.state.repeat).toMatchObject({ ended: 'cancelled' });
    expect(all.state.repeat?.nextIssueFrom).toBeUndefined();
    expect(outcome(all.state, action('next-issue'))).toBe(I);
    // Cancelled again: nothing changes.
    expect(transition(all.state, { type: 'cancel', itemIds: ['i1'] }).cancelled).toEqual([
      { itemId: 'i1', code: 'R-0006' },
    ]);
  });

  it('cancels the undispensed current issue too (R-0001 at 0001, R-0002 with a pharmacy)', () => {
    expect(transition(erdInStatus('0001'), { type: 'cancel', itemIds: ['i1', 'i2'] }).state).toMatchObject({
      status: '0005',
      repeat: { ended: 'cancelled' },
    });
    const held = transition(erdInStatus('0002'), { type: 'cancel', itemIds: ['i1'] });
    expect(held.cancelled).toEqual([{ itemId: 'i1', code: 'R-0002' }]);
    expect(held.state.repeat?.cancelledItems).toEqual(['i1']);
  });

  it('schedules the next issue when the current one is dispensed or not dispensed ("not required")', () => {
    const held = erdInStatus('0002');
    const notRequired = transition(held, {
      type: 'dispense',
      pharmacy: P1,
      at: '2026-03-02T10:00:00Z',
      record: {
        id: 'n1',
        lines: [
          { itemId: 'i1', type: 'not-dispensed', quantity: 0 },
          { itemId: 'i2', type: 'not-dispensed', quantity: 0 },
        ],
      },
    });
    expect(notRequired.state.status).toBe('0007');
    expect(notRequired.state.repeat?.nextIssueFrom).toBe('2026-03-23T00:00:00.000Z');
    const withdrawn = transition(notRequired.state, {
      type: 'withdraw',
      pharmacy: P1,
      at: '2026-03-02T11:00:00Z',
    });
    expect(withdrawn.state.repeat?.nextIssueFrom).toBeUndefined();
  });

  it('keeps its invariants over any sequence of actions and clock moves', () => {
    const arbitraryAction: fc.Arbitrary<Action> = fc.oneof(
      fc.constantFrom<Action>(
        { type: 'release', pharmacy: P1 },
        { type: 'release', pharmacy: P2 },
        { type: 'return', pharmacy: P1 },
        { type: 'claim', pharmacy: P1 },
        { type: 'claim', pharmacy: P2 },
        { type: 'expire' },
        { type: 'no-claim' },
        { type: 'no-claim', issue: 1 },
      ),
      fc.record({ type: fc.constant('withdraw' as const), pharmacy: fc.constant(P1), at: fc.constant('') }),
      fc.record({ type: fc.constant('next-issue' as const), at: fc.constant('') }),
      fc.record({
        type: fc.constant('cancel' as const),
        itemIds: fc.subarray(['i1', 'i2', 'x'], { minLength: 1 }),
      }),
      fc.record({
        type: fc.constant('dispense' as const),
        pharmacy: fc.constantFrom(P1, P2),
        at: fc.constant(''),
        record: fc.record({
          id: fc.constantFrom('n1', 'n2'),
          lines: fc.uniqueArray(
            fc.record({
              itemId: fc.constantFrom('i1', 'i2'),
              type: fc.constantFrom('dispensed', 'not-dispensed', 'partial', 'owing', 'cancelled'),
              quantity: fc.integer({ min: 0, max: 25 }),
            }),
            { selector: (line) => line.itemId, minLength: 1, maxLength: 2 },
          ),
        }),
      }),
    );
    const step = fc.tuple(arbitraryAction, fc.integer({ min: 0, max: 40 }));
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        let state: PrescriptionState = {
          ...inStatus('0001'),
          repeat: initialRepeatState({ issues: 4, intervalDays: 28, authorisationExpiry: '2026-09-30' }),
        };
        let clock = new Date('2026-03-02T09:00:00Z').getTime();
        const until = new Date(state.repeat!.authorisedUntil);
        for (const [raw, days] of steps) {
          clock += days * 86_400_000;
          const at = new Date(clock).toISOString();
          const act = 'at' in raw ? ({ ...raw, at } as Action) : raw;
          const issueBefore = state.repeat!.issue;
          try {
            state = transition(state, act).state;
          } catch (error) {
            if (!(error instanceof Problem) || error.status >= 500) throw error;
          }
          const repeat = state.repeat!;
          if (repeat.issue > issueBefore) expect(new Date(at).getTime()).toBeLessThan(until.getTime());
          expect(repeat.issue).toBeLessThanOrEqual(repeat.issues);
          expect(repeat.earlier.map((issue) => issue.issue)).toEqual(
            Array.from({ length: repeat.issue - 1 }, (_, i) => i + 1),
          );
          for (const issue of repeat.earlier) expect(ISSUE_FINAL).toContain(issue.status);
          if (repeat.nextIssueFrom) {
            expect(ISSUE_FINAL).toContain(state.status);
            expect(new Date(repeat.nextIssueFrom).getTime()).toBeLessThan(until.getTime());
          }
          for (const item of state.items) {
            expect(dispensedQuantity(state.dispenses, item.id)).toBeLessThanOrEqual(item.prescribedQuantity);
            // A new issue never carries an item the prescriber cancelled for the issues to come.
            if (repeat.issue > issueBefore && repeat.cancelledItems.includes(item.id))
              expect(item.cancelled).toBe(true);
          }
          if (state.status === '0001') expect(state.dispenses).toHaveLength(0);
        }
      }),
      { numRuns: 400 },
    );
  });
});
