/**
 * What the prescription state machine (state-machine.ts) works on: the state it keeps, the actions
 * it takes and what a transition returns. Types and constant tables only, pure.
 */
import type { RepeatState } from '../repeat/repeat-state.js';
import type { PrescriptionStatus } from './codes.js';

/**
 * What a dispense notification says of an item: the whole EPS medicationdispense-type code system
 * (0001–0008). The first four are dispensing outcomes; the others repeat a status the item must
 * already have (cancelled by the prescriber, expired) or say it is still to come.
 */
export type DispenseLineType =
  | 'dispensed'
  | 'not-dispensed'
  | 'partial'
  | 'owing'
  | 'cancelled'
  | 'expired'
  | 'to-be-dispensed'
  | 'with-dispenser';

/** Lines that supply nothing and change nothing: they restate the item's status. */
export const RESTATING_LINES: ReadonlySet<DispenseLineType> = new Set([
  'cancelled',
  'expired',
  'to-be-dispensed',
  'with-dispenser',
]);

export interface DispenseLine {
  itemId: string;
  type: DispenseLineType;
  /** Quantity supplied by this notification (0 for not dispensed / owing). */
  quantity: number;
}

export interface DispenseRecord {
  /** The dispense notification's identifier: a later one with the same id amends this one. */
  id: string;
  lines: DispenseLine[];
}

export interface ItemState {
  id: string;
  prescribedQuantity: number;
  cancelled: boolean;
  /** Cancelled by the prescriber while the prescription was with a dispenser (the pharmacy is told). */
  cancelledWithDispenser?: boolean;
  expired: boolean;
}

export interface PrescriptionState {
  status: PrescriptionStatus;
  /** ODS code of the pharmacy it was released to (while 0002/0003 and after dispensing). */
  dispenser?: string;
  nominatedPharmacy?: string;
  items: ItemState[];
  dispenses: DispenseRecord[];
  /** Repeat dispensing (eRD): the state is the current issue's; this says which and what came before. */
  repeat?: RepeatState;
}

/**
 * `at` (RFC 3339) is when a dispense or withdrawal happened: an eRD's next issue is scheduled from
 * it. `issue` names an earlier issue of an eRD for claims and no-claims (default: the current one,
 * or for a claim the oldest unclaimed one the pharmacy dispensed).
 */
export type Action =
  | { type: 'release'; pharmacy: string }
  | { type: 'dispense'; pharmacy: string; record: DispenseRecord; at?: string }
  | { type: 'return'; pharmacy: string }
  | { type: 'withdraw'; pharmacy: string; at?: string }
  | { type: 'claim'; pharmacy: string; issue?: number }
  | { type: 'cancel'; itemIds: string[] }
  | { type: 'expire' }
  | { type: 'no-claim'; issue?: number }
  | { type: 'next-issue'; at: string };

export type ActionType = Action['type'];
export const ACTION_TYPES: readonly ActionType[] = [
  'release',
  'dispense',
  'return',
  'withdraw',
  'claim',
  'cancel',
  'expire',
  'no-claim',
  'next-issue',
];

/** Cancellation outcome per item, as the EPS R-codes of the cancel response (docs/api.md §6). */
export type CancelCode = 'R-0001' | 'R-0002' | 'R-0004' | 'R-0005' | 'R-0006' | 'R-0008';

export const CANCEL_CODES: Record<CancelCode, string> = {
  'R-0001': 'Prescription/item was cancelled',
  'R-0002': 'Prescription/item was not cancelled – With dispenser. Marked for cancellation',
  'R-0004': 'Prescription/item was not cancelled – Dispensed to Patient',
  'R-0005': 'Prescription/item had expired',
  'R-0006': 'Prescription/item had already been cancelled',
  'R-0008': 'Prescription/item not found',
};

export interface TransitionResult {
  state: PrescriptionState;
  /** For 'release' by the same pharmacy that already holds it: nothing changed. */
  unchanged?: boolean;
  /** For 'cancel': the outcome of each named item. */
  cancelled?: Array<{ itemId: string; code: CancelCode }>;
  /** For 'claim' and 'no-claim': the issue it applied to (eRD; 1 otherwise). */
  issue?: number;
  /** For 'next-issue': no issue was started because the authorisation has expired; no more will be. */
  ended?: boolean;
}
