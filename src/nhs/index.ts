/** NHS identifiers shared by every capability: pure checks and generators, no I/O. */
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
export { type RandomSource, randomIndex, secureRandom } from './random.js';
export { ODS_CODE, ODS_SYSTEM } from './systems.js';
