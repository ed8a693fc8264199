/**
 * Who a patient identifier belongs to, according to a demographics service: this service's own
 * FHIR store (the default) or a PDS-like FHIR API (`DEMOGRAPHICS_URL`). Both answer with a FHIR
 * Patient; `demographicsOf` reduces it to what enrolment matches on (pure).
 */
import type { HumanName, Patient, Period } from '@medplum/fhirtypes';
import { normalisePostcode, type PatientIdentifier } from './registration-input.js';

export interface DemographicsRecord {
  /** `Patient/<id>` in the answering service. */
  patient: string;
  family: string | undefined;
  birthDate: string | undefined;
  /** Normalised (`LS1 4AP`), from the current home address. */
  postcode: string | undefined;
  deceased: boolean;
  /** Replaced by another record (a merge), or a superseded NHS number. */
  merged: boolean;
  /**
   * From an external service only: the Patient to store here when this service has no record for
   * the identifier yet (identifier, name, gender, birth date, address; nothing else).
   */
  resource?: Patient;
}

export interface DemographicsService {
  /** `local`: `patient` is a record of this service's FHIR store. */
  readonly kind: 'local' | 'external';
  /** The record for the identifier, or undefined when there is none. Throws DemographicsUnavailable. */
  find(identifier: PatientIdentifier): Promise<DemographicsRecord | undefined>;
}

/** The demographics service could not be asked (down, timing out, answering 5xx). */
export class DemographicsUnavailable extends Error {
  constructor(reason: string) {
    // The reason names a status or an error kind, never the identifier or the URL.
    super(`demographics service unavailable: ${reason}`);
    this.name = 'DemographicsUnavailable';
  }
}

const ended = (period: Period | undefined, today: string): boolean =>
  period?.end !== undefined && period.end.slice(0, 10) < today;

const NAME_PREFERENCE = ['official', 'usual', undefined];

function currentFamily(names: HumanName[] | undefined, today: string): string | undefined {
  const current = (names ?? []).filter(
    (name) =>
      name.family &&
      !ended(name.period, today) &&
      name.use !== 'old' &&
      name.use !== 'maiden' &&
      name.use !== 'anonymous',
  );
  for (const use of NAME_PREFERENCE) {
    const found = current.find((name) => name.use === use);
    if (found) return found.family;
  }
  return current[0]?.family;
}

function currentPostcode(patient: Patient, today: string): string | undefined {
  const current = (patient.address ?? []).filter(
    (address) => address.postalCode && address.use !== 'old' && !ended(address.period, today),
  );
  const home = current.find((address) => address.use === 'home') ?? current[0];
  return home?.postalCode ? normalisePostcode(home.postalCode) : undefined;
}

export function demographicsOf(patient: Patient, now: Date): DemographicsRecord {
  const today = now.toISOString().slice(0, 10);
  return {
    patient: `Patient/${patient.id}`,
    family: currentFamily(patient.name, today),
    birthDate: patient.birthDate,
    postcode: currentPostcode(patient, today),
    deceased: patient.deceasedBoolean === true || patient.deceasedDateTime !== undefined,
    merged: (patient.link ?? []).some((link) => link.type === 'replaced-by'),
  };
}

/** The object without its undefined properties (FHIR JSON has no nulls or undefineds). */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * The part of an external record worth keeping here: enough for the portal, the tracker and
 * notifications to refer to the patient, and no more.
 */
export function localCopyOf(patient: Patient, identifier: PatientIdentifier): Patient {
  const names = patient.name?.map(({ use, family, given, period }) =>
    defined({ use, family, given, period }),
  );
  const addresses = patient.address?.map(({ use, line, city, district, postalCode, country, period }) =>
    defined({ use, line, city, district, postalCode, country, period }),
  );
  return defined<Patient>({
    resourceType: 'Patient',
    identifier: [{ system: identifier.system, value: identifier.value }],
    name: names,
    gender: patient.gender,
    birthDate: patient.birthDate,
    address: addresses,
  });
}
