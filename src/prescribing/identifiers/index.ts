/** Patient and prescription identifiers: pure checks and generators, no I/O. */
export {
  CHI_NUMBER_SYSTEM,
  type ChiDateOfBirth,
  chiDateOfBirth,
  generateNhsNumber,
  isValidChiNumber,
  isValidNhsNumber,
  NHS_NUMBER_SYSTEM,
  type PatientIdentifierProblem,
  patientIdentifierProblem,
} from './nhs-number.js';
export {
  CHECK_ALPHABET,
  checkCharacter,
  generateShortFormId,
  isLongFormId,
  isValidShortFormId,
  LONG_FORM_ID_EXTENSION,
  LONG_FORM_ID_SYSTEM,
  SHORT_FORM_ID_SYSTEM,
  shortFormIdProblem,
} from './prescription-id.js';
export type { RandomSource } from './random.js';
