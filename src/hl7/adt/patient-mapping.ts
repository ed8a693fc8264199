/**
 * PID (and PD1) → the Patient fields a message carries (pure). PID-3 identifiers: an NHS number
 * (type NH or authority NHS) or CHI number (authority CHI) becomes its national system and must
 * pass its check digit; every other identifier keeps its assigning authority as the system.
 * Fields the message leaves empty are left as stored; HL7's explicit null `""` clears them.
 */
import type { Address, ContactPoint, HumanName, Identifier, Patient } from '@medplum/fhirtypes';
import { CHI_NUMBER_SYSTEM, isValidChiNumber, isValidNhsNumber, NHS_NUMBER_SYSTEM } from '../../nhs/index.js';
import type { Repetition, SegmentReader } from '../message/fields.js';
import { CONDITION, contentError } from '../message/hl7-error.js';
import { hl7Date, hl7Instant } from '../message/hl7-time.js';

export const ODS_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';
const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const NHS_AUTHORITY_OID = '2.16.840.1.113883.2.1.4.1';

/** What the message says about the patient; `undefined` = not sent (keep), `null` = `""` (clear). */
export interface PatientFacts {
  identifiers: Identifier[];
  name?: HumanName[] | null;
  gender?: Patient['gender'] | null;
  birthDate?: string | null;
  address?: Address[] | null;
  telecom?: ContactPoint[] | null;
  deceased?: { deceasedDateTime: string } | { deceasedBoolean: boolean } | null;
  /** PD1-3: the GP practice, by ODS code. */
  gpPractice?: string;
}

/** A URI-safe system from an assigning authority (HD: namespace & universal id & type). */
function authoritySystem(cx: Repetition, fallback: string): string {
  const namespace = cx.component(4, 1);
  const universal = cx.component(4, 2);
  const universalType = cx.component(4, 3).toUpperCase();
  if (universal && universalType === 'ISO') return `urn:oid:${universal}`;
  const name = namespace || universal || fallback;
  return /\s/.test(name) || name === '' ? `urn:hl7-authority:${encodeURIComponent(name || 'unknown')}` : name;
}

export function identifierOf(cx: Repetition, pid: SegmentReader, facility: string): Identifier | undefined {
  const field = pid.name === 'MRG' ? 1 : 3;
  const value = cx.component(1);
  if (!value) return undefined;
  const type = cx.component(5).toUpperCase();
  const authority = (cx.component(4, 1) || cx.component(4, 2)).toUpperCase();
  const compact = value.replace(/\s/g, '');
  if (type === 'NH' || authority === 'NHS' || authority === NHS_AUTHORITY_OID) {
    if (!isValidNhsNumber(compact)) {
      throw contentError(
        `${pid.label(field)} NHS number ${value} fails its check digit`,
        { segment: pid.name, field },
        CONDITION.dataTypeError,
      );
    }
    return { system: NHS_NUMBER_SYSTEM, value: compact };
  }
  if (authority === 'CHI' || type === 'CHI') {
    if (!isValidChiNumber(compact)) {
      throw contentError(
        `${pid.label(field)} CHI number ${value} is not valid`,
        { segment: pid.name, field },
        CONDITION.dataTypeError,
      );
    }
    return { system: CHI_NUMBER_SYSTEM, value: compact };
  }
  return {
    system: authoritySystem(cx, facility),
    value,
    ...(type ? { type: { coding: [{ system: V2_0203, code: type }] } } : {}),
  };
}

const NAME_USE: Record<string, HumanName['use']> = {
  L: 'official',
  D: 'usual',
  M: 'maiden',
  N: 'nickname',
  A: 'anonymous',
};

function nameOf(xpn: Repetition): HumanName | undefined {
  const family = xpn.component(1);
  const given = [xpn.component(2), xpn.component(3)].filter(Boolean);
  const prefix = xpn.component(5);
  const suffix = xpn.component(4);
  if (!family && given.length === 0) return undefined;
  const use = NAME_USE[xpn.component(7).toUpperCase()];
  return {
    ...(use ? { use } : {}),
    ...(family ? { family } : {}),
    ...(given.length ? { given } : {}),
    ...(prefix ? { prefix: [prefix] } : {}),
    ...(suffix ? { suffix: [suffix] } : {}),
  };
}

const ADDRESS_USE: Record<string, Address['use']> = {
  H: 'home',
  B: 'work',
  O: 'work',
  C: 'temp',
  BA: 'billing',
};

function addressOf(xad: Repetition): Address | undefined {
  const line = [xad.component(1), xad.component(2)].filter(Boolean);
  const city = xad.component(3);
  const district = xad.component(4);
  const postalCode = xad.component(5);
  const country = xad.component(6);
  if (!line.length && !city && !postalCode) return undefined;
  const use = ADDRESS_USE[xad.component(7).toUpperCase()];
  return {
    ...(use ? { use } : {}),
    ...(line.length ? { line } : {}),
    ...(city ? { city } : {}),
    ...(district ? { district } : {}),
    ...(postalCode ? { postalCode } : {}),
    ...(country ? { country } : {}),
  };
}

function telecomOf(xtn: Repetition, use: ContactPoint['use']): ContactPoint | undefined {
  const useCode = xtn.component(2).toUpperCase();
  const equipment = xtn.component(3).toUpperCase();
  const email = xtn.component(4);
  if (useCode === 'NET' || equipment === 'INTERNET' || equipment === 'X.400') {
    const value = email || xtn.component(1);
    return value ? { system: 'email', value, use } : undefined;
  }
  const value =
    xtn.component(1) || [xtn.component(6), xtn.component(7)].filter(Boolean).join(' ') || xtn.component(12);
  if (!value) return undefined;
  return {
    system: equipment === 'FX' ? 'fax' : 'phone',
    value,
    use: equipment === 'CP' ? 'mobile' : use,
  };
}

const GENDER: Record<string, Patient['gender']> = {
  M: 'male',
  F: 'female',
  O: 'other',
  A: 'other',
  U: 'unknown',
  N: 'unknown',
};

function list<T>(
  reader: SegmentReader,
  field: number,
  map: (r: Repetition) => T | undefined,
): T[] | null | undefined {
  if (reader.isNull(field)) return null;
  const values = reader
    .repetitions(field)
    .map(map)
    .filter((v): v is T => v !== undefined);
  return values.length ? values : undefined;
}

export function patientFacts(
  pid: SegmentReader,
  pd1: SegmentReader | undefined,
  facility: string,
): PatientFacts {
  const identifiers = [...pid.repetitions(3), ...pid.repetitions(2)]
    .map((cx) => identifierOf(cx, pid, facility))
    .filter((i): i is Identifier => i !== undefined);
  if (identifiers.length === 0) {
    throw contentError('PID-3 (patient identifier list) is empty', { segment: 'PID', field: 3 });
  }
  const facts: PatientFacts = { identifiers: dedupe(identifiers) };
  const name = list(pid, 5, nameOf);
  if (name !== undefined) facts.name = name;
  if (pid.isNull(8)) facts.gender = null;
  else if (pid.text(8)) facts.gender = GENDER[pid.text(8).toUpperCase()] ?? 'unknown';
  if (pid.isNull(7)) facts.birthDate = null;
  else if (pid.text(7)) {
    const birthDate = hl7Date(pid.text(7));
    if (!birthDate)
      throw contentError(
        `PID-7 date of birth ${pid.text(7)} is not a date`,
        { segment: 'PID', field: 7 },
        CONDITION.dataTypeError,
      );
    facts.birthDate = birthDate;
  }
  const address = list(pid, 11, addressOf);
  if (address !== undefined) facts.address = address;
  const home = list(pid, 13, (x) => telecomOf(x, 'home'));
  const work = list(pid, 14, (x) => telecomOf(x, 'work'));
  if (home !== undefined || work !== undefined)
    facts.telecom = home === null && work === null ? null : [...(home ?? []), ...(work ?? [])];
  const deathTime = hl7Instant(pid.text(29));
  if (deathTime) facts.deceased = { deceasedDateTime: deathTime };
  else if (pid.text(30).toUpperCase() === 'Y') facts.deceased = { deceasedBoolean: true };
  else if (pid.text(30).toUpperCase() === 'N') facts.deceased = null;
  // PD1-3 (XON): the organisation identifier is component 10 from v2.5, component 3 before.
  const practice = pd1 ? pd1.text(3, 10) || pd1.text(3, 3) : '';
  if (practice) facts.gpPractice = practice;
  return facts;
}

function dedupe(identifiers: Identifier[]): Identifier[] {
  const seen = new Set<string>();
  return identifiers.filter((identifier) => {
    const key = `${identifier.system}|${identifier.value}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The national number among the identifiers, which decides who the patient is when present. */
export function nationalIdentifier(identifiers: Identifier[]): Identifier | undefined {
  return identifiers.find((i) => i.system === NHS_NUMBER_SYSTEM || i.system === CHI_NUMBER_SYSTEM);
}

/** The stored Patient with the message's facts applied (identifiers are added, never dropped). */
export function applyPatientFacts(
  stored: Patient | undefined,
  facts: PatientFacts,
  managingOds?: string,
): Patient {
  const patient: Patient = stored ? structuredClone(stored) : { resourceType: 'Patient', active: true };
  const known = new Set((patient.identifier ?? []).map((i) => `${i.system}|${i.value}`));
  patient.identifier = [
    ...(patient.identifier ?? []),
    ...facts.identifiers.filter((i) => !known.has(`${i.system}|${i.value}`)),
  ];
  const set = <K extends 'name' | 'gender' | 'birthDate' | 'address' | 'telecom'>(
    key: K,
    value: Patient[K] | null | undefined,
  ) => {
    if (value === null) delete patient[key];
    else if (value !== undefined) patient[key] = value;
  };
  set('name', facts.name);
  set('gender', facts.gender);
  set('birthDate', facts.birthDate);
  set('address', facts.address);
  set('telecom', facts.telecom);
  if (facts.deceased === null) {
    delete patient.deceasedBoolean;
    delete patient.deceasedDateTime;
  } else if (facts.deceased) {
    delete patient.deceasedBoolean;
    delete patient.deceasedDateTime;
    Object.assign(patient, facts.deceased);
  }
  if (facts.gpPractice) {
    patient.generalPractitioner = [{ identifier: { system: ODS_SYSTEM, value: facts.gpPractice } }];
  }
  if (!patient.managingOrganization && managingOds) {
    patient.managingOrganization = { identifier: { system: ODS_SYSTEM, value: managingOds } };
  }
  return patient;
}
