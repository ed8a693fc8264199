/** The service desk's words (pure): roles, NHS numbers as people read them, what to search by. */
import { compact, type FieldError, hasValidCheckDigit } from './forms';

const ROLES: Record<string, string> = {
  patient: 'Patient',
  prescriber: 'Prescriber',
  dispenser: 'Pharmacy (dispenser)',
  registrar: 'Registrar',
  clinician: 'Clinician',
  'service-desk': 'Service desk',
  admin: 'Administrator',
};

export function roleName(role: string): string {
  return ROLES[role] ?? role;
}

/** "9434765919" → "943 476 5919", as it is printed on NHS letters. */
export function formatNhsNumber(digits: string): string {
  return /^\d{10}$/.test(digits) ? `${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6)}` : digits;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What is wrong with a look-up before it is sent, in the service manual's words. */
export function searchProblem(
  by: 'username' | 'nhsNumber' | 'identifier',
  value: string,
  field: string,
): FieldError | undefined {
  const trimmed = value.trim();
  if (by === 'username')
    return trimmed === '' ? { field, message: 'Enter an email address or username' } : undefined;
  if (by === 'nhsNumber') {
    if (trimmed === '') return { field, message: 'Enter an NHS number' };
    const digits = compact(trimmed);
    if (!/^\d{10}$/.test(digits)) return { field, message: 'NHS number must be 10 numbers' };
    return hasValidCheckDigit(digits) ? undefined : { field, message: 'Enter a valid NHS number' };
  }
  if (trimmed === '') return { field, message: 'Enter an account ID' };
  return UUID.test(trimmed)
    ? undefined
    : { field, message: 'Enter the account ID as it was shown, like 3f2b8c1e-5d4a-4e7b-9c0d-1a2b3c4d5e6f' };
}
