/**
 * EPS prescription and item status codes (docs/api.md §6), with the words people see: the
 * display EPS uses for systems, and a plain-English line for patients.
 */
export const PRESCRIPTION_STATUSES = {
  '0001': { display: 'To Be Dispensed', plain: 'Waiting for a pharmacy to collect it' },
  '0002': { display: 'With Dispenser', plain: 'With a pharmacy' },
  '0003': {
    display: 'With Dispenser - Active',
    plain: 'Being dispensed by a pharmacy (some items still to come)',
  },
  '0004': { display: 'Expired', plain: 'Expired: ask your GP practice if you still need it' },
  '0005': { display: 'Cancelled', plain: 'Cancelled by your prescriber' },
  '0006': { display: 'Dispensed', plain: 'Dispensed' },
  '0007': { display: 'Not Dispensed', plain: 'Not dispensed' },
  '0008': { display: 'Claimed', plain: 'Dispensed' },
  '0009': { display: 'No-Claimed', plain: 'Dispensed' },
} as const;
export type PrescriptionStatus = keyof typeof PRESCRIPTION_STATUSES;
export const PRESCRIPTION_STATUS_CODES = Object.keys(PRESCRIPTION_STATUSES) as PrescriptionStatus[];

export const ITEM_STATUSES = {
  '0001': { display: 'Item fully dispensed', plain: 'Dispensed' },
  '0002': { display: 'Item not dispensed', plain: 'Not dispensed' },
  '0003': { display: 'Item dispensed - partial', plain: 'Partly dispensed' },
  '0004': { display: 'Item not dispensed owing', plain: 'Owed to you by the pharmacy' },
  '0005': { display: 'Item Cancelled', plain: 'Cancelled' },
  '0006': { display: 'Expired', plain: 'Expired' },
  '0007': { display: 'Item to be dispensed', plain: 'Waiting for a pharmacy' },
  '0008': { display: 'Item with dispenser', plain: 'With a pharmacy' },
} as const;
export type ItemStatus = keyof typeof ITEM_STATUSES;
export const ITEM_STATUS_CODES = Object.keys(ITEM_STATUSES) as ItemStatus[];

export const PRESCRIPTION_STATUS_SYSTEM = 'https://fhir.nhs.uk/CodeSystem/EPS-task-business-status';
export const ITEM_STATUS_SYSTEM = 'https://fhir.nhs.uk/CodeSystem/medicationdispense-type';

/** Task.status of the tracker Task for each prescription status (docs/api.md §6). */
export const TASK_STATUS: Record<
  PrescriptionStatus,
  'requested' | 'accepted' | 'in-progress' | 'failed' | 'cancelled' | 'completed'
> = {
  '0001': 'requested',
  '0002': 'accepted',
  '0003': 'in-progress',
  '0004': 'failed',
  '0005': 'cancelled',
  '0006': 'completed',
  '0007': 'completed',
  '0008': 'completed',
  '0009': 'completed',
};

export function isPrescriptionStatus(value: unknown): value is PrescriptionStatus {
  return typeof value === 'string' && value in PRESCRIPTION_STATUSES;
}
