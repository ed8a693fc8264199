/**
 * The statuses pharmacy systems report through prescription status updates (NHS England's
 * Prescription Status Update API, https://fhir.nhs.uk/CodeSystem/task-businessStatus-nppt), with
 * the words a patient sees in the tracker.
 */
export const PSU_BUSINESS_STATUS_SYSTEM = 'https://fhir.nhs.uk/CodeSystem/task-businessStatus-nppt';

/** Each PSU business status and the words a patient sees. */
export const PSU_STATUSES = {
  'With Pharmacy': 'Your pharmacy has your prescription',
  'With Pharmacy - Preparing Remainder': 'Your pharmacy is getting the rest of your medicine ready',
  'Ready to Collect': 'Ready to collect from your pharmacy',
  'Ready to Collect - Partial': 'Some of your medicine is ready to collect from your pharmacy',
  Collected: 'Collected',
  'Ready to Dispatch': 'Ready to be sent to you',
  'Ready to Dispatch - Partial': 'Some of your medicine is ready to be sent to you',
  Dispatched: 'Sent to you',
  'Not Dispensed': 'Your pharmacy did not dispense this medicine: contact them if you need it',
} as const;
export type PsuStatus = keyof typeof PSU_STATUSES;

/** Statuses that tell the patient to come for their medicine. */
export const READY_TO_COLLECT: readonly PsuStatus[] = ['Ready to Collect', 'Ready to Collect - Partial'];
