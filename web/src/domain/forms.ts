/**
 * What the portal checks before sending a form, with the NHS service manual's error wording. The
 * server checks everything again; this only saves a round trip and says exactly what to fix.
 */
import { isoDateOf } from './dates';

export interface FieldError {
  /** The id of the input the error summary links to. */
  field: string;
  message: string;
}

export type Errors = FieldError[];

const CODE = /^\d{6}$/;
const POSTCODE = /^[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}$/i;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const UK_MOBILE = /^(?:07\d{9}|\+447\d{9})$/;

export function compact(value: string): string {
  return value.replace(/[\s\-()]/g, '');
}

/** Modulus 11, the check digit of NHS and CHI numbers. */
export function hasValidCheckDigit(digits: string): boolean {
  if (!/^\d{10}$/.test(digits)) return false;
  let sum = 0;
  for (let index = 0; index < 9; index++) sum += Number(digits[index]) * (10 - index);
  const check = 11 - (sum % 11);
  if (check === 10) return false;
  return (check === 11 ? 0 : check) === Number(digits[9]);
}

export function isUkMobile(value: string): boolean {
  return UK_MOBILE.test(compact(value));
}

export function isEmail(value: string): boolean {
  return EMAIL.test(value.trim());
}

export function codeProblem(otp: string, field = 'otp'): FieldError | undefined {
  const value = otp.trim();
  if (value === '') return { field, message: 'Enter the security code' };
  if (!CODE.test(value)) return { field, message: 'The security code must be 6 numbers' };
  return undefined;
}

export function signInErrors(input: { username: string; password: string }): Errors {
  const errors: Errors = [];
  if (input.username.trim() === '')
    errors.push({ field: 'username', message: 'Enter your email address or username' });
  if (input.password === '') errors.push({ field: 'password', message: 'Enter your password' });
  return errors;
}

export interface EnrolmentInput {
  numberType: '' | 'nhs' | 'chi';
  number: string;
  day: string;
  month: string;
  year: string;
  family: string;
  postcode: string;
  email: string;
  mobile: string;
  password: string;
  confirmPassword: string;
}

export interface EnrolmentRequest {
  nhsNumber?: string;
  chiNumber?: string;
  birthDate: string;
  family: string;
  postcode: string;
  email: string;
  mobile: string;
  password: string;
}

export function passwordProblem(password: string, field = 'password'): FieldError | undefined {
  if (password === '') return { field, message: 'Create a password' };
  if (password.length < 12) return { field, message: 'Your password must be at least 12 characters' };
  if (/^\d+$/.test(password)) return { field, message: 'Your password must not be only numbers' };
  return undefined;
}

function numberProblem(input: EnrolmentInput): FieldError | undefined {
  const name = input.numberType === 'chi' ? 'CHI number' : 'NHS number';
  const digits = compact(input.number);
  if (digits === '') return { field: 'number', message: `Enter your ${name}` };
  if (!/^\d{10}$/.test(digits)) return { field: 'number', message: `Your ${name} must be 10 numbers` };
  if (!hasValidCheckDigit(digits))
    return { field: 'number', message: `Check your ${name}: it is not a valid number` };
  return undefined;
}

function birthDateProblem(input: EnrolmentInput, today: Date): FieldError | undefined {
  if (input.day.trim() === '' && input.month.trim() === '' && input.year.trim() === '') {
    return { field: 'birth-day', message: 'Enter your date of birth' };
  }
  const iso = isoDateOf(input.day, input.month, input.year);
  if (!iso) return { field: 'birth-day', message: 'Date of birth must be a real date' };
  if (iso >= today.toISOString().slice(0, 10))
    return { field: 'birth-day', message: 'Date of birth must be in the past' };
  return undefined;
}

export function enrolmentErrors(input: EnrolmentInput, today = new Date()): Errors {
  const problems: Array<FieldError | undefined> = [
    input.numberType === ''
      ? { field: 'number-type', message: 'Select whether you have an NHS number or a CHI number' }
      : numberProblem(input),
    birthDateProblem(input, today),
    input.family.trim() === '' ? { field: 'family', message: 'Enter your last name' } : undefined,
    input.postcode.trim() === ''
      ? { field: 'postcode', message: 'Enter your postcode' }
      : POSTCODE.test(input.postcode.trim())
        ? undefined
        : { field: 'postcode', message: 'Enter a full UK postcode, like LS1 4AP' },
    input.email.trim() === ''
      ? { field: 'email', message: 'Enter your email address' }
      : isEmail(input.email)
        ? undefined
        : { field: 'email', message: 'Enter an email address in the correct format, like name@example.com' },
    input.mobile.trim() === ''
      ? { field: 'mobile', message: 'Enter your mobile phone number' }
      : isUkMobile(input.mobile)
        ? undefined
        : { field: 'mobile', message: 'Enter a UK mobile phone number, like 07700 900982' },
    passwordProblem(input.password),
    input.password !== '' && input.confirmPassword !== input.password
      ? { field: 'confirm-password', message: 'The passwords do not match' }
      : undefined,
  ];
  return problems.filter((problem): problem is FieldError => problem !== undefined);
}

/** The JSON body of POST /auth/register from a form that passed `enrolmentErrors`. */
export function enrolmentRequest(input: EnrolmentInput): EnrolmentRequest {
  const number = compact(input.number);
  return {
    ...(input.numberType === 'chi' ? { chiNumber: number } : { nhsNumber: number }),
    birthDate: isoDateOf(input.day, input.month, input.year) ?? '',
    family: input.family.trim(),
    postcode: input.postcode.trim().toUpperCase(),
    email: input.email.trim(),
    mobile: compact(input.mobile),
    password: input.password,
  };
}

export function contactErrors(input: { mobile: string; email: string }): Errors {
  const errors: Errors = [];
  if (input.mobile.trim() !== '' && !isUkMobile(input.mobile)) {
    errors.push({ field: 'mobile', message: 'Enter a UK mobile phone number, like 07700 900982' });
  }
  if (input.email.trim() !== '' && !isEmail(input.email)) {
    errors.push({
      field: 'email',
      message: 'Enter an email address in the correct format, like name@example.com',
    });
  }
  return errors;
}

export const CANCEL_REASONS = [
  'I no longer need this appointment',
  'I cannot make the date or time',
  'I am feeling better',
] as const;
export const OTHER_REASON = 'other';

/** The reason sent with $cancel, or an error: a choice is needed, and words for "other". */
export function cancelReason(choice: string, other: string): { reason: string } | { error: FieldError } {
  if (choice === '') return { error: { field: 'reason', message: 'Select why you are cancelling' } };
  if (choice !== OTHER_REASON) return { reason: choice };
  const text = other.trim();
  if (text === '') return { error: { field: 'other-reason', message: 'Enter why you are cancelling' } };
  if (text.length > 500)
    return { error: { field: 'other-reason', message: 'Reason must be 500 characters or fewer' } };
  return { reason: text };
}

export function noteProblem(note: string, field: string, max: number, required: string | undefined) {
  const text = note.trim();
  if (text === '' && required) return { field, message: required };
  if (text.length > max) return { field, message: `This must be ${max} characters or fewer` };
  return undefined;
}
