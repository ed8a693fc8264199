import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Problem } from '../../platform/errors/problem.js';
import { PRESCRIPTION_STATUS_CODES, type PrescriptionStatus } from './codes.js';
import {
  ACTION_TYPES,
  type Action,
  type ActionType,
  type DispenseRecord,
  dispensedQuantity,
  itemStatus,
  type PrescriptionState,
  transition,
} from './state-machine.js';

const P1 = 'FCG71';
const P2 = 'FEW08';

function items(): PrescriptionState['items'] {
  return [
    { id: 'i1', prescribedQuantity: 10, cancelled: false, expired: false },
    { id: 'i2', prescribedQuantity: 20, cancelled: false, expired: false },
  ];
}

/** A representative prescription in each status, held by P1 wherever a dispenser holds it. */
function inStatus(status: PrescriptionStatus): PrescriptionState {
  const base: PrescriptionState = { status, items: items(), dispenses: [], nominatedPharmacy: P1 };
  const full: DispenseRecord = {
    id: 'd1',
    lines: [
      { itemId: 'i1', type: 'dispensed', quantity: 10 },
      { itemId: 'i2', type: 'dispensed', quantity: 20 },
    ],
  };
  switch (status) {
    case '0001':
      return base;
    case '0002':
      return { ...base, dispenser: P1 };
    case '0003':
      return {
        ...base,
        dispenser: P1,
        dispenses: [{ id: 'd1', lines: [{ itemId: 'i1', type: 'partial', quantity: 5 }] }],
      };
    case '0004':
      return { ...base, items: base.items.map((item) => ({ ...item, expired: true })) };
    case '0005':
      return { ...base, items: base.items.map((item) => ({ ...item, cancelled: true })) };
    case '0006':
    case '0008':
    case '0009':
      return { ...base, dispenser: P1, dispenses: [full] };
    case '0007':
      return {
        ...base,
        dispenser: P1,
        dispenses: [
          {
            id: 'd1',
            lines: [
              { itemId: 'i1', type: 'not-dispensed', quantity: 0 },
              { itemId: 'i2', type: 'not-dispensed', quantity: 0 },
            ],
          },
        ],
      };
  }
}

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
  }
}

type Expected = PrescriptionStatus | 'unchanged' | 'INVALID_STATE_TRANSITION';
const I = 'INVALID_STATE_TRANSITION';

/** Every (status, action by the holding pharmacy) pair and its outcome: the whole machine. */
const TABLE: Record<PrescriptionStatus, Record<ActionType, Expected>> = {
  '0001': {
    release: '0002',
    dispense: I,
    return: I,
    withdraw: I,
    claim: I,
    cancel: '0001',
    expire: '0004',
    'no-claim': I,
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
  },
  '0004': {
    release: I,
    dispense: I,
    return: I,
    withdraw: I,
    claim: I,
    cancel: 'unchanged',
    expire: I,
    'no-claim': I,
  },
  '0005': {
    release: I,
    dispense: I,
    return: I,
    withdraw: I,
    claim: I,
    cancel: 'unchanged',
    expire: I,
    'no-claim': I,
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
  },
};

function outcome(state: PrescriptionState, act: Action): Expected | string {
  try {
    const result = transition(state, act);
    if (result.unchanged || result.state === state) return 'unchanged';
    return result.state.status;
  } catch (error) {
    if (error instanceof Problem) return error.code;
    throw error;
  }
}

describe('prescription state machine', () => {
  const pairs = PRESCRIPTION_STATUS_CODES.flatMap((status) =>
    ACTION_TYPES.map((type) => [status, type] as const),
  );

  it('has an expectation for every (status, action) pair', () => {
    expect(pairs).toHaveLength(9 * 8);
    for (const [status, type] of pairs) expect(TABLE[status][type], `${status} ${type}`).toBeDefined();
  });

  it.each(pairs)('%s + %s by the holding pharmacy is exactly as the table says', (status, type) => {
    expect(outcome(inStatus(status), action(type))).toBe(TABLE[status][type]);
  });

  it.each(
    pairs.filter(
      ([status, type]) =>
        ['0002', '0003', '0006', '0007', '0008', '0009'].includes(status) &&
        type !== 'cancel' &&
        type !== 'expire' &&
        type !== 'no-claim',
    ),
  )('%s + %s by another pharmacy is PRESCRIPTION_WITH_ANOTHER_DISPENSER', (status, type) => {
    expect(outcome(inStatus(status), action(type, P2))).toBe('PRESCRIPTION_WITH_ANOTHER_DISPENSER');
  });

  it('releases to the first pharmacy and refuses a second one', () => {
    const released = transition(inStatus('0001'), { type: 'release', pharmacy: P1 }).state;
    expect(released).toMatchObject({ status: '0002', dispenser: P1 });
    expect(released.items.map((item) => itemStatus(released, item))).toEqual(['0008', '0008']);
    expect(outcome(released, { type: 'release', pharmacy: P2 })).toBe('PRESCRIPTION_WITH_ANOTHER_DISPENSER');
  });

  it('returns to 0001 with the nomination kept and the pharmacy cleared', () => {
    const returned = transition(inStatus('0002'), { type: 'return', pharmacy: P1 }).state;
    expect(returned).toMatchObject({ status: '0001', nominatedPharmacy: P1 });
    expect(returned.dispenser).toBeUndefined();
    expect(transition(returned, { type: 'release', pharmacy: P2 }).state.dispenser).toBe(P2);
  });

  it('goes partial → complete → claimed, with item statuses derived from the notifications', () => {
    let state = inStatus('0002');
    state = transition(state, {
      type: 'dispense',
      pharmacy: P1,
      record: {
        id: 'n1',
        lines: [
          { itemId: 'i1', type: 'partial', quantity: 4 },
          { itemId: 'i2', type: 'owing', quantity: 0 },
        ],
      },
    }).state;
    expect(state.status).toBe('0003');
    expect(state.items.map((item) => itemStatus(state, item))).toEqual(['0003', '0004']);
    state = transition(state, {
      type: 'dispense',
      pharmacy: P1,
      record: {
        id: 'n2',
        lines: [
          { itemId: 'i1', type: 'dispensed', quantity: 6 },
          { itemId: 'i2', type: 'dispensed', quantity: 20 },
        ],
      },
    }).state;
    expect(state.status).toBe('0006');
    expect(dispensedQuantity(state.dispenses, 'i1')).toBe(10);
    state = transition(state, { type: 'claim', pharmacy: P1 }).state;
    expect(state.status).toBe('0008');
    expect(outcome(state, { type: 'claim', pharmacy: P1 })).toBe('INVALID_STATE_TRANSITION');
    expect(() => transition(state, { type: 'claim', pharmacy: P1 })).toThrow(/already been claimed/);
  });

  it('refuses a cumulative quantity above the prescribed one, and changes nothing', () => {
    const state = inStatus('0003'); // i1: 5 of 10 supplied
    const before = structuredClone(state);
    expect(
      outcome(state, {
        type: 'dispense',
        pharmacy: P1,
        record: { id: 'n2', lines: [{ itemId: 'i1', type: 'dispensed', quantity: 6 }] },
      }),
    ).toBe('QUANTITY_EXCEEDED');
    expect(state).toEqual(before);
    expect(
      outcome(state, {
        type: 'dispense',
        pharmacy: P1,
        record: { id: 'n2', lines: [{ itemId: 'i1', type: 'dispensed', quantity: 5 }] },
      }),
    ).toBe('0003');
  });

  it('amends a notification with the same identifier instead of adding to it', () => {
    const state = inStatus('0003'); // d1: i1 partial 5
    const amended = transition(state, {
      type: 'dispense',
      pharmacy: P1,
      record: { id: 'd1', lines: [{ itemId: 'i1', type: 'partial', quantity: 9 }] },
    }).state;
    expect(amended.dispenses).toHaveLength(1);
    expect(dispensedQuantity(amended.dispenses, 'i1')).toBe(9);
    // An amendment of a final prescription is allowed; a new notification is not.
    const complete = inStatus('0006');
    const fixed = transition(complete, {
      type: 'dispense',
      pharmacy: P1,
      record: {
        id: 'd1',
        lines: [
          { itemId: 'i1', type: 'dispensed', quantity: 10 },
          { itemId: 'i2', type: 'partial', quantity: 15 },
        ],
      },
    }).state;
    expect(fixed.status).toBe('0003');
  });

  it('withdraws the latest notification only', () => {
    let state = inStatus('0003');
    state = transition(state, {
      type: 'dispense',
      pharmacy: P1,
      record: {
        id: 'd2',
        lines: [
          { itemId: 'i1', type: 'dispensed', quantity: 5 },
          { itemId: 'i2', type: 'dispensed', quantity: 20 },
        ],
      },
    }).state;
    expect(state.status).toBe('0006');
    state = transition(state, { type: 'withdraw', pharmacy: P1 }).state;
    expect(state.status).toBe('0003');
    expect(state.dispenses.map((record) => record.id)).toEqual(['d1']);
    state = transition(state, { type: 'withdraw', pharmacy: P1 }).state;
    expect(state.status).toBe('0002');
    expect(outcome(state, { type: 'withdraw', pharmacy: P1 })).toBe('INVALID_STATE_TRANSITION');
  });

  it('answers cancellations with the R-codes for each situation', () => {
    const codes = (state: PrescriptionState, ids: string[]) =>
      transition(state, { type: 'cancel', itemIds: ids }).cancelled;
    expect(codes(inStatus('0001'), ['i1'])).toEqual([{ itemId: 'i1', code: 'R-0001' }]);
    expect(codes(inStatus('0002'), ['i1'])).toEqual([{ itemId: 'i1', code: 'R-0002' }]);
    expect(codes(inStatus('0006'), ['i1'])).toEqual([{ itemId: 'i1', code: 'R-0004' }]);
    expect(codes(inStatus('0008'), ['i2'])).toEqual([{ itemId: 'i2', code: 'R-0004' }]);
    expect(codes(inStatus('0004'), ['i1'])).toEqual([{ itemId: 'i1', code: 'R-0005' }]);
    expect(codes(inStatus('0005'), ['i1'])).toEqual([{ itemId: 'i1', code: 'R-0006' }]);
    expect(codes(inStatus('0001'), ['nope'])).toEqual([{ itemId: 'nope', code: 'R-0008' }]);
  });

  it('cancels the prescription when every item is cancelled', () => {
    const partly = transition(inStatus('0001'), { type: 'cancel', itemIds: ['i1'] }).state;
    expect(partly.status).toBe('0001');
    expect(itemStatus(partly, partly.items[0]!)).toBe('0005');
    const whole = transition(partly, { type: 'cancel', itemIds: ['i2'] }).state;
    expect(whole.status).toBe('0005');
  });

  it('marks an item cancelled while with a dispenser, and refuses to dispense it later', () => {
    const state = transition(inStatus('0002'), { type: 'cancel', itemIds: ['i1'] }).state;
    expect(state.items[0]).toMatchObject({ cancelled: true, cancelledWithDispenser: true });
    expect(state.status).toBe('0002');
    expect(
      outcome(state, {
        type: 'dispense',
        pharmacy: P1,
        record: { id: 'n', lines: [{ itemId: 'i1', type: 'dispensed', quantity: 10 }] },
      }),
    ).toBe('INVALID_STATE_TRANSITION');
    // The other item can still be dispensed, and then the prescription is complete.
    const done = transition(state, {
      type: 'dispense',
      pharmacy: P1,
      record: { id: 'n', lines: [{ itemId: 'i2', type: 'dispensed', quantity: 20 }] },
    }).state;
    expect(done.status).toBe('0006');
  });

  it('expires items that are not cancelled', () => {
    const state = transition(transition(inStatus('0001'), { type: 'cancel', itemIds: ['i2'] }).state, {
      type: 'expire',
    }).state;
    expect(state.status).toBe('0004');
    expect(state.items.map((item) => itemStatus(state, item))).toEqual(['0006', '0005']);
  });

  it('refuses unknown or repeated items and negative quantities in a notification', () => {
    const state = inStatus('0002');
    const send = (lines: DispenseRecord['lines']) =>
      outcome(state, { type: 'dispense', pharmacy: P1, record: { id: 'x', lines } });
    expect(send([{ itemId: 'zz', type: 'dispensed', quantity: 1 }])).toBe('INVALID_VALUE');
    expect(
      send([
        { itemId: 'i1', type: 'partial', quantity: 1 },
        { itemId: 'i1', type: 'partial', quantity: 1 },
      ]),
    ).toBe('INVALID_VALUE');
    expect(send([{ itemId: 'i1', type: 'partial', quantity: -1 }])).toBe('INVALID_VALUE');
    expect(send([])).toBe('MISSING_VALUE');
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
              type: fc.constantFrom('dispensed', 'not-dispensed', 'partial', 'owing'),
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
