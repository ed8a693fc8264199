/**
 * The state machine against its table: every (status, action) pair, by the holding pharmacy and
 * by another one, and its invariants over any sequence of actions (fast-check). The lifecycle
 * scenarios are in state-machine-scenarios.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inStatus, outcome, P1, P2 } from '../../../test/support/prescribing/states.js';
import { Problem } from '../../platform/errors/problem.js';
import { PRESCRIPTION_STATUS_CODES, type PrescriptionStatus } from './codes.js';
import {
  ACTION_TYPES,
  type Action,
  type ActionType,
  type DispenseLineType,
  dispensedQuantity,
  transition,
} from './state-machine.js';

function action(type: ActionType, pharmacy = P1): Action {
  switch (type) {
    case 'release':
    case 'return':
    case 'withdraw':
    case 'claim':
      return { type, pharmacy };
    case 'dispense':
      return {
        type,
        pharmacy,
        record: { id: 'd-new', lines: [{ itemId: 'i2', type: 'partial', quantity: 1 }] },
      };
    case 'cancel':
      return { type, itemIds: ['i1'] };
    case 'expire':
    case 'no-claim':
      return { type };
    case 'next-issue':
      return { type, at: new Date().toISOString() };
  }
}

type Expected = PrescriptionStatus | 'unchanged' | 'INVALID_STATE_TRANSITION' | 'FORBIDDEN';
const I = 'INVALID_STATE_TRANSITION';
/** Not released to this pharmacy (never released, or expired or cancelled before release). */
const F = 'FORBIDDEN';

/** Every (status, action by the holding pharmacy) pair and its outcome: the whole machine. */
const TABLE: Record<PrescriptionStatus, Record<ActionType, Expected>> = {
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
    cancel: 'unchanged',
    expire: I,
    'no-claim': '0009',
    'next-issue': I,
  },
  '0007': {
    release: I,
    dispense: I,
    return: I,
    withdraw: '0002',
    claim: '0008',
    cancel: 'unchanged',
    expire: I,
    'no-claim': '0009',
    'next-issue': I,
  },
  '0008': {
    release: I,
    dispense: I,
    return: I,
    withdraw: I,
    claim: I,
    cancel: 'unchanged',
    expire: I,
    'no-claim': I,
    'next-issue': I,
  },
  '0009': {
    release: I,
    dispense: I,
    return: I,
    withdraw: I,
    claim: I,
    cancel: 'unchanged',
    expire: I,
    'no-claim': I,
    'next-issue': I,
  },
};

/** Statuses in which a pharmacy holds the prescription. */
const HELD: readonly PrescriptionStatus[] = ['0002', '0003', '0006', '0007', '0008', '0009'];

describe('prescription state machine', () => {
  const pairs = PRESCRIPTION_STATUS_CODES.flatMap((status) =>
    ACTION_TYPES.map((type) => [status, type] as const),
  );

  it('has an expectation for every (status, action) pair', () => {
    expect(pairs).toHaveLength(9 * 9);
    for (const [status, type] of pairs) expect(TABLE[status][type], `${status} ${type}`).toBeDefined();
  });

  it.each(pairs)('%s + %s by the holding pharmacy is exactly as the table says', (status, type) => {
    expect(outcome(inStatus(status), action(type))).toBe(TABLE[status][type]);
  });

  const dispensingActions: ActionType[] = ['dispense', 'return', 'withdraw', 'claim'];

  it.each(
    pairs.filter(([, type]) => dispensingActions.includes(type)),
  )('%s + %s by another pharmacy is FORBIDDEN, the same whatever the status', (status, type) => {
    expect(outcome(inStatus(status), action(type, P2))).toBe('FORBIDDEN');
  });

  it('tells another pharmacy nothing about the status: one refusal, word for word', () => {
    const refusals = new Set<string>();
    for (const [status, type] of pairs.filter(([, type]) => dispensingActions.includes(type))) {
      try {
        transition(inStatus(status), action(type, P2));
        expect.unreachable(`${status} ${type}`);
      } catch (error) {
        const problem = error as Problem;
        refusals.add(JSON.stringify([problem.status, problem.toOperationOutcome()]));
      }
    }
    expect(refusals.size).toBe(1);
  });

  it.each(
    pairs.filter(([status, type]) => HELD.includes(status) && type === 'release'),
  )('%s + release by another pharmacy is PRESCRIPTION_WITH_ANOTHER_DISPENSER (docs/api.md §7)', (status) => {
    expect(outcome(inStatus(status), action('release', P2))).toBe('PRESCRIPTION_WITH_ANOTHER_DISPENSER');
  });

  it('keeps its invariants over any sequence of actions', () => {
    const arbitraryAction: fc.Arbitrary<Action> = fc.oneof(
      fc.constantFrom<Action>(
        { type: 'release', pharmacy: P1 },
        { type: 'release', pharmacy: P2 },
        { type: 'return', pharmacy: P1 },
        { type: 'withdraw', pharmacy: P1 },
        { type: 'claim', pharmacy: P1 },
        { type: 'expire' },
        { type: 'no-claim' },
      ),
      fc.record({
        type: fc.constant('cancel' as const),
        itemIds: fc.subarray(['i1', 'i2', 'x'], { minLength: 1 }),
      }),
      fc.record({
        type: fc.constant('dispense' as const),
        pharmacy: fc.constantFrom(P1, P2),
        record: fc.record({
          id: fc.constantFrom('n1', 'n2', 'n3'),
          lines: fc.uniqueArray(
            fc.record({
              itemId: fc.constantFrom('i1', 'i2'),
              type: fc.constantFrom<DispenseLineType>(
                'dispensed',
                'not-dispensed',
                'partial',
                'owing',
                'cancelled',
                'expired',
                'to-be-dispensed',
                'with-dispenser',
              ),
              quantity: fc.integer({ min: 0, max: 25 }),
            }),
            { selector: (line) => line.itemId, minLength: 1, maxLength: 2 },
          ),
        }),
      }),
    );
    fc.assert(
      fc.property(fc.array(arbitraryAction, { maxLength: 25 }), (actions) => {
        let state = inStatus('0001');
        for (const act of actions) {
          try {
            state = transition(state, act).state;
          } catch (error) {
            if (!(error instanceof Problem) || error.status >= 500) throw error;
          }
          for (const item of state.items) {
            expect(dispensedQuantity(state.dispenses, item.id)).toBeLessThanOrEqual(item.prescribedQuantity);
          }
          if (['0002', '0003', '0006', '0007', '0008', '0009'].includes(state.status))
            expect(state.dispenser).toBeDefined();
          if (state.status === '0001') expect(state.dispenses).toHaveLength(0);
          if (state.status === '0005') expect(state.items.every((item) => item.cancelled)).toBe(true);
          if (state.status === '0003') expect(state.dispenses.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 500 },
    );
  });
});
