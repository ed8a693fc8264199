/**
 * Every code of EPS's medicationdispense-type (0001–0008) against each item state it may meet:
 * accepted where the item's state allows it, otherwise refused with INVALID_STATE_TRANSITION
 * (never "not a code we know").
 */
import { describe, expect, it } from 'vitest';
import { inStatus, outcome, P1 } from '../../../test/support/prescribing/states.js';
import { DISPENSE_TYPES } from '../../dispensing/dispense/parse-dispense.js';
import { type DispenseLineType, itemStatus, type PrescriptionState } from './state-machine.js';

function released(options: { cancelFirst?: boolean } = {}): PrescriptionState {
  const state = inStatus('0002');
  if (!options.cancelFirst) return state;
  return {
    ...state,
    items: state.items.map((item, index) =>
      index === 0 ? { ...item, cancelled: true, cancelledWithDispenser: true } : item,
    ),
  };
}

function dispense(state: PrescriptionState, type: DispenseLineType, quantity = 0): string {
  return outcome(state, {
    type: 'dispense',
    pharmacy: P1,
    record: { id: 'n1', lines: [{ itemId: 'i1', type, quantity }] },
  });
}

describe('medicationdispense-type codes', () => {
  it('maps all eight EPS codes', () => {
    expect(Object.keys(DISPENSE_TYPES)).toEqual([
      '0001',
      '0002',
      '0003',
      '0004',
      '0005',
      '0006',
      '0007',
      '0008',
    ]);
  });

  const expected: Record<string, { live: string; cancelled: string }> = {
    '0001': { live: '0003', cancelled: 'INVALID_STATE_TRANSITION' },
    '0002': { live: '0003', cancelled: 'INVALID_STATE_TRANSITION' },
    '0003': { live: '0003', cancelled: 'INVALID_STATE_TRANSITION' },
    '0004': { live: '0003', cancelled: 'INVALID_STATE_TRANSITION' },
    // Cancelled: only for an item the prescriber cancelled.
    '0005': { live: 'INVALID_STATE_TRANSITION', cancelled: '0003' },
    // Expired: an item of a prescription that can still be dispensed has not expired.
    '0006': { live: 'INVALID_STATE_TRANSITION', cancelled: 'INVALID_STATE_TRANSITION' },
    // Still to come / with the dispenser: accepted, nothing supplied.
    '0007': { live: '0003', cancelled: 'INVALID_STATE_TRANSITION' },
    '0008': { live: '0003', cancelled: 'INVALID_STATE_TRANSITION' },
  };

  it.each(Object.entries(DISPENSE_TYPES))('%s (%s) is judged by the item state', (code, type) => {
    const quantity = type === 'dispensed' || type === 'partial' ? 5 : 0;
    expect(dispense(released(), type, quantity), `${code} live`).toBe(expected[code]!.live);
    expect(dispense(released({ cancelFirst: true }), type, quantity), `${code} cancelled`).toBe(
      expected[code]!.cancelled,
    );
  });

  it('refuses a supply on a line that restates a status', () => {
    for (const type of ['cancelled', 'expired', 'to-be-dispensed', 'with-dispenser'] as const) {
      expect(dispense(released({ cancelFirst: true }), type, 3), type).toBe('INVALID_VALUE');
    }
  });

  it('leaves the item status to what it was for restating lines', () => {
    const state = released({ cancelFirst: true });
    const next = {
      ...state,
      status: '0003' as const,
      dispenses: [
        {
          id: 'n1',
          lines: [
            { itemId: 'i1', type: 'cancelled' as const, quantity: 0 },
            { itemId: 'i2', type: 'with-dispenser' as const, quantity: 0 },
          ],
        },
      ],
    };
    expect(itemStatus(next, next.items[0]!)).toBe('0005');
    expect(itemStatus(next, next.items[1]!)).toBe('0008');
  });

  it('settles a cancelled item reported 0005 beside a dispensed one as dispensed (0006)', () => {
    const result = outcome(released({ cancelFirst: true }), {
      type: 'dispense',
      pharmacy: P1,
      record: {
        id: 'n1',
        lines: [
          { itemId: 'i1', type: 'cancelled', quantity: 0 },
          { itemId: 'i2', type: 'dispensed', quantity: 20 },
        ],
      },
    });
    expect(result).toBe('0006');
  });
});
