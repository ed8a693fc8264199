/**
 * A patient's own contact details (pure): validating what they type, and writing it into
 * Patient.telecom without touching anything else on the record (demographics are read-only for
 * patients). Mobile numbers are stored as +447…, the form SMS providers take.
 */
import type { ContactPoint, Patient } from '@medplum/fhirtypes';
import { invalid } from '../../platform/errors/problem.js';

/** Characters people put in phone numbers that mean nothing. */
const PHONE_PUNCTUATION = /[\s()\-.]/g;

/** `+447xxxxxxxxx` for a UK mobile number written 07…, +44 7…, 0044 7… or 44 7…; else undefined. */
export function normaliseUkMobile(input: string): string | undefined {
  const compact = input.trim().replace(PHONE_PUNCTUATION, '');
  let national: string;
  if (/^07\d{9}$/.test(compact)) national = compact.slice(1);
  else if (/^(\+44|0044|44)0?7\d{9}$/.test(compact)) national = compact.replace(/^(\+44|0044|44)0?/, '');
  else return undefined;
  return `+44${national}`;
}

const EMAIL = /^[^\s@",;:<>()[\]\\]+@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/** The address with its domain lower-cased, or undefined when it is not an email address. */
export function normaliseEmail(input: string): string | undefined {
  const trimmed = input.trim();
  if (trimmed.length > 254 || !EMAIL.test(trimmed)) return undefined;
  const at = trimmed.lastIndexOf('@');
  return `${trimmed.slice(0, at)}@${trimmed.slice(at + 1).toLowerCase()}`;
}

/** For each: a new value, null to remove it, undefined to leave it as it is. */
export interface ContactChange {
  mobile?: string | null;
  email?: string | null;
}

export function validatedContactChange(input: {
  mobile?: string | null | undefined;
  email?: string | null | undefined;
}): ContactChange {
  const change: ContactChange = {};
  if (input.mobile !== undefined) {
    const mobile = input.mobile === null ? null : normaliseUkMobile(input.mobile);
    if (mobile === undefined) {
      throw invalid(
        'mobile must be a UK mobile number, e.g. 07700 900123 or +44 7700 900123',
        'Parameters.parameter',
      );
    }
    change.mobile = mobile;
  }
  if (input.email !== undefined) {
    const email = input.email === null ? null : normaliseEmail(input.email);
    if (email === undefined)
      throw invalid('email must be an email address, e.g. name@example.com', 'Parameters.parameter');
    change.email = email;
  }
  return change;
}

const isMobile = (point: ContactPoint) => point.system === 'phone' && point.use === 'mobile';
const isEmail = (point: ContactPoint) => point.system === 'email';

export interface ContactDetails {
  mobile: string | undefined;
  email: string | undefined;
}

/** The mobile number and email address on the record (the first of each that is not old). */
export function contactDetailsOf(patient: Patient): ContactDetails {
  const telecom = (patient.telecom ?? []).filter((point) => point.use !== 'old' && point.value);
  return { mobile: telecom.find(isMobile)?.value, email: telecom.find(isEmail)?.value };
}

/**
 * The record with the change applied to its telecom only: a changed mobile or email replaces the
 * one there (each kept once, ranked first); other phone numbers stay. Undefined when nothing changes.
 */
export function withContactChange(patient: Patient, change: ContactChange): Patient | undefined {
  let telecom = [...(patient.telecom ?? [])];
  const current = contactDetailsOf(patient);
  let changed = false;
  if (change.mobile !== undefined && change.mobile !== (current.mobile ?? null)) {
    telecom = telecom.filter((point) => !isMobile(point));
    if (change.mobile !== null)
      telecom.push({ system: 'phone', value: change.mobile, use: 'mobile', rank: 1 });
    changed = true;
  }
  if (change.email !== undefined && change.email !== (current.email ?? null)) {
    telecom = telecom.filter((point) => !isEmail(point));
    if (change.email !== null) telecom.push({ system: 'email', value: change.email, rank: 1 });
    changed = true;
  }
  if (!changed) return undefined;
  const { telecom: _old, ...rest } = patient;
  return telecom.length > 0 ? { ...rest, telecom } : rest;
}
