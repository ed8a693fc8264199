/**
 * Patient identifiers: the NHS number (England, Wales, Isle of Man) and the CHI number (Scotland).
 * Both are 10 digits whose last digit is a Modulus 11 check digit; a CHI number also begins with the
 * patient's date of birth as DDMMYY.
 */
import { type RandomSource, randomIndex, secureRandom } from './random.js';

export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
export const CHI_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/chi-number';

/** Why a patient identifier was refused. Never contains the value itself (it is personal data). */
export type PatientIdentifierProblem =
  | 'not 10 digits'
  | 'wrong Modulus 11 check digit'
  | 'does not begin with a valid DDMMYY date of birth'
  | 'unsupported system';

const TEN_DIGITS = /^[0-9]{10}$/;

/**
 * The Modulus 11 check digit for the first nine digits of `digits` (weights 10 down to 2), or
 * undefined when the remainder makes it 10: no valid number starts with those nine digits.
 */
function modulus11CheckDigit(digits: string): number | undefined {
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(digits[i]) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  return check === 10 ? undefined : check;
}

function hasValidCheckDigit(tenDigits: string): boolean {
  const check = modulus11CheckDigit(tenDigits);
  return check !== undefined && check === Number(tenDigits[9]);
}

/** Exactly 10 ASCII digits with a correct Modulus 11 check digit. No spaces or separators. */
export function isValidNhsNumber(value: string): boolean {
  return TEN_DIGITS.test(value) && hasValidCheckDigit(value);
}

export interface ChiDateOfBirth {
  day: number;
  month: number;
  /** The two-digit year: a CHI number does not say which century. */
  yy: number;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * 29 February is accepted when the year is a leap year in either 19YY or 20YY. Every YY divisible
 * by 4 is a leap year in at least one of them (00: 1900 is not, but 2000 is), and no other YY is in
 * either, so the rule is simply YY % 4 === 0. A CHI number cannot tell the centuries apart, so
 * refusing a date that is real in one of them would refuse real patients.
 */
function isPossibleLeapYear(yy: number): boolean {
  return yy % 4 === 0;
}

/** The DDMMYY date of birth a 10-digit CHI number begins with, or undefined when it is not a real date. */
export function chiDateOfBirth(value: string): ChiDateOfBirth | undefined {
  if (!TEN_DIGITS.test(value)) return undefined;
  const day = Number(value.slice(0, 2));
  const month = Number(value.slice(2, 4));
  const yy = Number(value.slice(4, 6));
  if (month < 1 || month > 12 || day < 1) return undefined;
  if (month === 2 && day === 29) return isPossibleLeapYear(yy) ? { day, month, yy } : undefined;
  if (day > DAYS_IN_MONTH[month - 1]!) return undefined;
  return { day, month, yy };
}

/** 10 digits, a correct Modulus 11 check digit, and a valid DDMMYY date of birth in the first six. */
export function isValidChiNumber(value: string): boolean {
  return isValidNhsNumber(value) && chiDateOfBirth(value) !== undefined;
}

/**
 * Undefined when `value` is a valid identifier in `system`, otherwise a short reason for an
 * INVALID_PATIENT_IDENTIFIER OperationOutcome (or INVALID_VALUE for an unsupported system).
 */
export function patientIdentifierProblem(
  system: string,
  value: string,
): PatientIdentifierProblem | undefined {
  if (system !== NHS_NUMBER_SYSTEM && system !== CHI_NUMBER_SYSTEM) return 'unsupported system';
  if (!TEN_DIGITS.test(value)) return 'not 10 digits';
  if (!hasValidCheckDigit(value)) return 'wrong Modulus 11 check digit';
  if (system === CHI_NUMBER_SYSTEM && chiDateOfBirth(value) === undefined) {
    return 'does not begin with a valid DDMMYY date of birth';
  }
  return undefined;
}

/**
 * A valid NHS number in the range reserved for testing (999 000 0000 to 999 999 9999): for demo
 * data and tests.
 */
export function generateNhsNumber(random: RandomSource = secureRandom): string {
  let digits = '999';
  for (let i = 0; i < 6; i++) digits += String(randomIndex(random, 10));
  if (modulus11CheckDigit(digits) === undefined) {
    // Bumping the ninth digit (weight 2) always changes the remainder, so one step is enough and a
    // constant random source cannot loop forever.
    digits = digits.slice(0, 8) + String((Number(digits[8]) + 1) % 10);
  }
  return digits + String(modulus11CheckDigit(digits));
}
