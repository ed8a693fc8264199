/**
 * The state machine through the lifecycles it serves: release, return, partial and complete
 * dispensing, amendments and withdrawals, cancellation with its R-codes, expiry, bad notifications.
 */
import { describe, expect, it } from 'vitest';
import { inStatus, outcome, P1, P2 } from '../../../test/support/prescribing/states.js';
import {
  type DispenseRecord,
  dispensedQuantity,
  itemStatus,
  type PrescriptionState,
  transition,
} from './state-machine.js';

describe('prescription state machine scenarios', () => {
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
});
