/**
 * Which phone numbers and email addresses a message can go to, checked the way GOV.UK Notify
 * checks them, so the recording provider and the fake Notify server refuse what the real one
 * would (and the fallback to email happens in development too).
 */

/** Characters Notify ignores in a phone number. */
const PHONE_PUNCTUATION = /[\s()\-.]/g;

/** `+447xxxxxxxxx` for a UK mobile number in any usual spelling; undefined for anything else. */
export function normaliseUkMobile(input: string): string | undefined {
  const compact = input.replace(PHONE_PUNCTUATION, '');
  if (!/^\+?\d{7,15}$/.test(compact)) return undefined;
  let digits = compact.replace(/^\+/, '');
  if (digits.startsWith('0044')) digits = digits.slice(4);
  else if (digits.startsWith('44')) digits = digits.slice(2);
  else if (compact.startsWith('+')) return undefined;
  if (digits.startsWith('0')) digits = digits.slice(1);
  return /^7\d{9}$/.test(digits) ? `+44${digits}` : undefined;
}

/** Why Notify would refuse this number as a UK mobile, in its words; undefined when it is one. */
export function ukMobileProblem(input: string): string | undefined {
  if (normaliseUkMobile(input) !== undefined) return undefined;
  const compact = input.replace(PHONE_PUNCTUATION, '');
  if (!/^\+?\d*$/.test(compact)) return 'Must not contain letters or symbols';
  return 'Not a UK mobile number';
}

const EMAIL = /^[^\s@",;:<>()[\]\\]+@([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/i;

export function isEmailAddress(input: string): boolean {
  return input.length <= 320 && EMAIL.test(input.trim());
}
