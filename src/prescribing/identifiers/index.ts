/** Prescription identifiers: pure checks and generators, no I/O. (NHS and CHI numbers: src/nhs.) */
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
