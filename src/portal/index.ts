/**
 * What other capabilities may use of the portal: the hospital feed (src/hl7) books, moves and
 * confirms appointments through the portal's declared booking rules (as a system writer) and
 * records the EPR's answers to the patient's requests. Everything else under src/portal is
 * internal (test/architecture/imports.test.ts).
 */
export {
  answered,
  FILLER_TYPE,
  hospitalRequestOf,
  IDENTIFIER_TYPE_SYSTEM,
  settledBy,
  withConfirmedAt,
  withHospitalRequest,
} from './appointments/hospital-requests.js';
export { REPEAT_REQUEST_CODE, TASK_CODE_SYSTEM } from './repeat-requests/rules.js';
export type { RepeatRequestsService } from './repeat-requests/task-search.js';
export {
  NOMINATIONS_SERVICE,
  type NominationsService,
  REPEAT_REQUESTS_SERVICE,
  RESULT_RELEASES_SERVICE,
  type ResultReleasesService,
} from './services.js';
