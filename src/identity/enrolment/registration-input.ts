/**
 * The shape rules of a sign-up request (pure). A malformed field is answered at once with a 400
 * naming it (every malformed field, one issue each); a well-formed request then goes to matching,
 * whose refusals all look alike. Error texts never repeat the value given (it is personal data).
 */
import { isValid as isPostcode, toNormalised } from 'postcode';
import { CHI_NUMBER_SYSTEM, NHS_NUMBER_SYSTEM, patientIdentifierProblem } from '../../nhs/index.js';
import type { ErrorCode } from '../../platform/errors/codes.js';
import { Problem, type ProblemIssue } from '../../platform/errors/problem.js';

export interface PatientIdentifier {
  system: typeof NHS_NUMBER_SYSTEM | typeof CHI_NUMBER_SYSTEM;
  value: string;
}

export interface RegistrationInput {
  identifier: PatientIdentifier;
  birthDate: string;
  family: string;
  /** Normalised: upper case, one space before the inward code (`LS1 4AP`). */
  postcode: string;
  /** Lower-cased; becomes the username. */
  email: string;
  /** `+447…` */
  mobile: string;
  password: string;
}

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;
/** The sign-in endpoint accepts usernames up to 128 characters. */
export const EMAIL_MAX = 128;
const FAMILY_MAX = 100;

const EMAIL = /^[^\s@",;:<>()[\]\\]+@([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/i;
const FAMILY = /^[\p{L}\p{M}' .\u2019-]+$/u;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

type Body = Record<string, unknown>;
type Issue = { code: ErrorCode; diagnostics: string; expression: string };

/** `+447xxxxxxxxx` for 07xxx xxxxxx or +44 7xxx xxxxxx (spaces, dashes, brackets allowed). */
export function normaliseMobile(raw: string): string | undefined {
  const compact = raw.replace(/[\s()-]/g, '');
  if (/^07\d{9}$/.test(compact)) return `+44${compact.slice(1)}`;
  if (/^\+447\d{9}$/.test(compact)) return compact;
  return undefined;
}

export function normalisePostcode(raw: string): string | undefined {
  const compact = raw.replace(/\s+/g, '').toUpperCase();
  if (!isPostcode(compact)) return undefined;
  return toNormalised(compact) ?? undefined;
}

export function isEmail(raw: string): boolean {
  return raw.length <= EMAIL_MAX && EMAIL.test(raw);
}

/** A real calendar date, not in the future, from 1880 on. */
export function isBirthDate(raw: string, now: Date): boolean {
  const parts = ISO_DATE.exec(raw);
  if (!parts) return false;
  const [year, month, day] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return false;
  }
  return year >= 1880 && raw <= now.toISOString().slice(0, 10);
}

export function passwordProblem(password: string): string | undefined {
  if (password.length < PASSWORD_MIN) return `password must be at least ${PASSWORD_MIN} characters`;
  if (password.length > PASSWORD_MAX) return `password must be at most ${PASSWORD_MAX} characters`;
  if (/^\d+$/.test(password)) return 'password must not be only digits';
  return undefined;
}

function stringField(body: Body, name: string, issues: Issue[], max = 512): string | undefined {
  const value = body[name];
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
    issues.push({ code: 'MISSING_VALUE', diagnostics: `${name} is required`, expression: name });
    return undefined;
  }
  if (typeof value !== 'string' || value.length > max) {
    issues.push({ code: 'INVALID_VALUE', diagnostics: `${name} must be a string`, expression: name });
    return undefined;
  }
  return value;
}

function identifierOf(body: Body, issues: Issue[]): PatientIdentifier | undefined {
  const given = (['nhsNumber', 'chiNumber'] as const).filter(
    (name) => body[name] !== undefined && body[name] !== null && body[name] !== '',
  );
  if (given.length !== 1) {
    issues.push({
      code: given.length === 0 ? 'MISSING_VALUE' : 'INVALID_VALUE',
      diagnostics: 'give exactly one of nhsNumber or chiNumber',
      expression: given.length === 0 ? 'nhsNumber' : 'chiNumber',
    });
    return undefined;
  }
  const name = given[0]!;
  const raw = stringField(body, name, issues, 32);
  if (raw === undefined) return undefined;
  const value = raw.replace(/[\s-]/g, '');
  const system = name === 'nhsNumber' ? NHS_NUMBER_SYSTEM : CHI_NUMBER_SYSTEM;
  const problem = patientIdentifierProblem(system, value);
  if (problem) {
    const label = name === 'nhsNumber' ? 'NHS number' : 'CHI number';
    issues.push({
      code: 'INVALID_PATIENT_IDENTIFIER',
      diagnostics: `${name} is not a valid ${label}: ${problem}`,
      expression: name,
    });
    return undefined;
  }
  return { system, value };
}

/** The request as typed values, or a 400 Problem with one issue per malformed field. */
export function parseRegistration(raw: unknown, now: Date): RegistrationInput {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Problem('INVALID_VALUE', 'the request body must be a JSON object');
  }
  const body = raw as Body;
  const issues: Issue[] = [];
  const check = (ok: boolean, expression: string, diagnostics: string) => {
    if (!ok) issues.push({ code: 'INVALID_VALUE', diagnostics, expression });
  };

  const identifier = identifierOf(body, issues);
  const birthDate = stringField(body, 'birthDate', issues, 32);
  if (birthDate !== undefined)
    check(isBirthDate(birthDate, now), 'birthDate', 'birthDate must be a past date as YYYY-MM-DD');
  const familyRaw = stringField(body, 'family', issues, 512);
  const family = familyRaw?.trim().replace(/\s+/g, ' ');
  if (family !== undefined)
    check(
      family.length <= FAMILY_MAX && FAMILY.test(family),
      'family',
      `family must be a surname of at most ${FAMILY_MAX} letters, spaces, hyphens or apostrophes`,
    );
  const postcodeRaw = stringField(body, 'postcode', issues, 32);
  const postcode = postcodeRaw === undefined ? undefined : normalisePostcode(postcodeRaw);
  if (postcodeRaw !== undefined) check(postcode !== undefined, 'postcode', 'postcode must be a UK postcode');
  const emailRaw = stringField(body, 'email', issues, 512)?.trim();
  if (emailRaw !== undefined)
    check(isEmail(emailRaw), 'email', `email must be an email address of at most ${EMAIL_MAX} characters`);
  const mobileRaw = stringField(body, 'mobile', issues, 32);
  const mobile = mobileRaw === undefined ? undefined : normaliseMobile(mobileRaw);
  if (mobileRaw !== undefined)
    check(mobile !== undefined, 'mobile', 'mobile must be a UK mobile number (07… or +447…)');
  const password = stringField(body, 'password', issues, PASSWORD_MAX + 1);
  if (password !== undefined) {
    const problem = passwordProblem(password);
    if (problem) check(false, 'password', problem);
  }

  if (issues.length > 0) {
    const [first, ...more] = issues as [Issue, ...Issue[]];
    const rest: ProblemIssue[] = more;
    throw new Problem(first.code, first.diagnostics, { expression: first.expression, more: rest });
  }
  return {
    identifier: identifier!,
    birthDate: birthDate!,
    family: family!,
    postcode: postcode!,
    email: emailRaw!.toLowerCase(),
    mobile: mobile!,
    password: password!,
  };
}
