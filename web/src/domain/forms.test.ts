import { describe, expect, it } from 'vitest';
import {
  cancelReason,
  codeProblem,
  contactErrors,
  type EnrolmentInput,
  enrolmentErrors,
  enrolmentRequest,
  hasValidCheckDigit,
  isUkMobile,
  noteProblem,
  OTHER_REASON,
  passwordProblem,
  signInErrors,
} from './forms';

const TODAY = new Date('2026-03-10T12:00:00Z');

const valid: EnrolmentInput = {
  numberType: 'nhs',
  number: '944 930 6060',
  day: '30',
  month: '4',
  year: '1948',
  family: 'Twitchett',
  postcode: 'kt11 2qy',
  email: ' Zoe@example.com ',
  mobile: '07700 900 982',
  password: 'correct horse battery',
  confirmPassword: 'correct horse battery',
};

const fields = (input: Partial<EnrolmentInput>) =>
  enrolmentErrors({ ...valid, ...input }, TODAY).map((error) => `${error.field}: ${error.message}`);

describe('form checks before sending', () => {
  it('checks NHS and CHI check digits (Modulus 11)', () => {
    expect(hasValidCheckDigit('9449306060')).toBe(true);
    expect(hasValidCheckDigit('9449306061')).toBe(false);
    expect(hasValidCheckDigit('944930606')).toBe(false);
    // A check value of 10 is never valid.
    expect(hasValidCheckDigit('0000000100')).toBe(false);
    expect(hasValidCheckDigit('4010232137')).toBe(true);
  });

  it('asks for username and password on sign-in', () => {
    expect(signInErrors({ username: ' ', password: '' }).map((error) => error.field)).toEqual([
      'username',
      'password',
    ]);
    expect(signInErrors({ username: 'a', password: 'b' })).toEqual([]);
  });

  it('wants a 6-digit security code', () => {
    expect(codeProblem('')?.message).toBe('Enter the security code');
    expect(codeProblem('12345')?.message).toBe('The security code must be 6 numbers');
    expect(codeProblem('12345a')?.message).toBe('The security code must be 6 numbers');
    expect(codeProblem(' 123456 ')).toBeUndefined();
    expect(codeProblem('', 'step-up-otp')?.field).toBe('step-up-otp');
  });

  it('accepts complete enrolment details and builds the register request from them', () => {
    expect(enrolmentErrors(valid, TODAY)).toEqual([]);
    expect(enrolmentRequest(valid)).toEqual({
      nhsNumber: '9449306060',
      birthDate: '1948-04-30',
      family: 'Twitchett',
      postcode: 'KT11 2QY',
      email: 'Zoe@example.com',
      mobile: '07700900982',
      password: 'correct horse battery',
    });
    expect(enrolmentRequest({ ...valid, numberType: 'chi' })).toMatchObject({ chiNumber: '9449306060' });
    expect(enrolmentRequest({ ...valid, numberType: 'chi' }).nhsNumber).toBeUndefined();
  });

  it('names each enrolment field that needs fixing, in page order', () => {
    expect(
      fields({
        numberType: '',
        day: '',
        month: '',
        year: '',
        family: '',
        postcode: '',
        email: '',
        mobile: '',
        password: '',
      }),
    ).toEqual([
      'number-type: Select whether you have an NHS number or a CHI number',
      'birth-day: Enter your date of birth',
      'family: Enter your last name',
      'postcode: Enter your postcode',
      'email: Enter your email address',
      'mobile: Enter your mobile phone number',
      'password: Create a password',
    ]);
  });

  it('explains wrong formats', () => {
    expect(fields({ number: '' })).toEqual(['number: Enter your NHS number']);
    expect(fields({ numberType: 'chi', number: '12345' })).toEqual([
      'number: Your CHI number must be 10 numbers',
    ]);
    expect(fields({ number: '9449306061' })).toEqual([
      'number: Check your NHS number: it is not a valid number',
    ]);
    expect(fields({ day: '31', month: '2' })).toEqual(['birth-day: Date of birth must be a real date']);
    expect(fields({ day: '10', month: '3', year: '2026' })).toEqual([
      'birth-day: Date of birth must be in the past',
    ]);
    expect(fields({ postcode: 'LS1' })).toEqual(['postcode: Enter a full UK postcode, like LS1 4AP']);
    expect(fields({ email: 'zoe@' })).toEqual([
      'email: Enter an email address in the correct format, like name@example.com',
    ]);
    expect(fields({ mobile: '0113 496 0000' })).toEqual([
      'mobile: Enter a UK mobile phone number, like 07700 900982',
    ]);
    expect(fields({ confirmPassword: 'something else' })).toEqual([
      'confirm-password: The passwords do not match',
    ]);
  });

  it('applies the password policy: 12 characters, not only numbers', () => {
    expect(passwordProblem('short')?.message).toBe('Your password must be at least 12 characters');
    expect(passwordProblem('123456789012')?.message).toBe('Your password must not be only numbers');
    expect(passwordProblem('123456789012a')).toBeUndefined();
  });

  it('recognises UK mobile numbers in the ways people write them', () => {
    expect(isUkMobile('07700 900982')).toBe(true);
    expect(isUkMobile('+44 7700 900982')).toBe(true);
    expect(isUkMobile('(07700) 900-982')).toBe(true);
    expect(isUkMobile('01134960000')).toBe(false);
    expect(isUkMobile('0770090098')).toBe(false);
  });

  it('lets contact details be left empty but not wrong', () => {
    expect(contactErrors({ mobile: '', email: '' })).toEqual([]);
    expect(contactErrors({ mobile: '123', email: 'x' }).map((error) => error.field)).toEqual([
      'mobile',
      'email',
    ]);
  });

  it('needs a reason to cancel, and words when it is "other"', () => {
    expect(cancelReason('', '')).toEqual({
      error: { field: 'reason', message: 'Select why you are cancelling' },
    });
    expect(cancelReason('I am feeling better', 'ignored')).toEqual({ reason: 'I am feeling better' });
    expect(cancelReason(OTHER_REASON, '  ')).toEqual({
      error: { field: 'other-reason', message: 'Enter why you are cancelling' },
    });
    expect(cancelReason(OTHER_REASON, ' Moving house ')).toEqual({ reason: 'Moving house' });
    expect(cancelReason(OTHER_REASON, 'x'.repeat(501))).toHaveProperty('error.field', 'other-reason');
  });

  it('limits notes and can require them', () => {
    expect(noteProblem('', 'note', 10, undefined)).toBeUndefined();
    expect(noteProblem(' ', 'note', 10, 'Enter a note')).toEqual({ field: 'note', message: 'Enter a note' });
    expect(noteProblem('x'.repeat(11), 'note', 10, undefined)?.message).toBe(
      'This must be 10 characters or fewer',
    );
  });
});
