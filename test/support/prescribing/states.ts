/**
 * The state machine tests' fixtures: two pharmacies, a two-item prescription, a representative
 * state for each status, and what a transition comes to.
 */
import { Problem } from '../../../src/platform/errors/problem.js';
import type { PrescriptionStatus } from '../../../src/prescribing/status/codes.js';
import {
  type Action,
  type DispenseRecord,
  type PrescriptionState,
  transition,
} from '../../../src/prescribing/status/state-machine.js';

export const P1 = 'FCG71';
export const P2 = 'FEW08';

export function items(): PrescriptionState['items'] {
  return [
    { id: 'i1', prescribedQuantity: 10, cancelled: false, expired: false },
    { id: 'i2', prescribedQuantity: 20, cancelled: false, expired: false },
  ];
}

/** A representative prescription in each status, held by P1 wherever a dispenser holds it. */
export function inStatus(status: PrescriptionStatus): PrescriptionState {
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

/** What a transition comes to: the new status, 'unchanged', or the code of the Problem it raised. */
export function outcome(state: PrescriptionState, act: Action): string {
  try {
    const result = transition(state, act);
    if (result.unchanged || result.state === state) return 'unchanged';
    return result.state.status;
  } catch (error) {
    if (error instanceof Problem) return error.code;
    throw error;
  }
}
