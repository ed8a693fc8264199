/**
 * What other capabilities may use of prescriptions (dispensing above all): the state machine, the
 * prescription store, the one verification of a signed prescription, and the message vocabulary
 * they share. Everything else under src/prescribing is internal (test/architecture/imports.test.ts).
 */
export type { PrescribingService } from './capability.js';
export { DEMO_PRESCRIPTIONS } from './demo.js';
export { shortFormIdProblem } from './identifiers/index.js';
export {
  at,
  entriesOf,
  identifierValue,
  type Located,
  ODS_CODE,
  ODS_SYSTEM,
  PRESCRIPTION_ITEM_NUMBER,
  PRESCRIPTION_ORDER_NUMBER,
  resolve,
} from './order/bundle-entries.js';
export { readPrescriptionOrder } from './order/parse-order.js';
export { ISSUE_FINAL, PRESCRIPTION_ISSUE_EXTENSION } from './repeat/repeat-state.js';
export { claimIssue } from './repeat/repeat-transitions.js';
export { startDueIssue } from './repeat/start-issue.js';
export type { MessageHandlers } from './routes/message-handlers.js';
export type { OtherTaskSearch } from './routes/task-search.js';
export { PRESCRIBING_SERVICE } from './services.js';
export { type VerificationDeps, verifyPrescription } from './signature/verify-prescription.js';
export type { PrescriptionStatus } from './status/codes.js';
export {
  PSU_BUSINESS_STATUS_SYSTEM,
  PSU_STATUSES,
  type PsuStatus,
  READY_TO_COLLECT,
} from './status/pharmacy-statuses.js';
export {
  assertHeldBy,
  type DispenseLine,
  type DispenseLineType,
  type DispenseRecord,
  notReleasedToCaller,
  type PrescriptionState,
  transition,
} from './status/state-machine.js';
export { withPrescriptionLocked } from './store/locked.js';
export {
  changedMeanwhile,
  changeState,
  findMessage,
  findPrescription,
  MAX_CHANGE_ATTEMPTS,
  PRESCRIPTION_COLUMNS,
  type PrescriptionRecord,
  type PrescriptionRow,
  recordMessage,
  SUMMARY_COLUMNS,
  saveState,
  toRecord,
} from './store/prescriptions.js';
export { lastNotifiedAt, recordStatusUpdate } from './store/status-updates.js';
export { writeTransition } from './store/transition-write.js';
export { CANCELLED_WITH_DISPENSER_EXTENSION } from './tracker/task-view.js';
