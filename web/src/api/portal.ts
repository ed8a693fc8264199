/**
 * The server's patient and service-desk APIs, typed for the pages. Each function is one call (or
 * one search); the pages turn the answers into views with the pure functions in domain/.
 */
import type {
  Appointment,
  Bundle,
  Location,
  MedicationRequest,
  Organization,
  Parameters,
  Patient,
  Resource,
  Slot,
  Task,
} from '@medplum/fhirtypes';
import { call } from './http';
import { authorized } from './session';

const FHIR = '/fhir/R4';

function resourcesOf<T extends Resource>(bundle: Bundle, type: T['resourceType']): T[] {
  return (bundle.entry ?? []).flatMap((entry) =>
    entry.resource?.resourceType === type ? [entry.resource as T] : [],
  );
}

function query(values: Record<string, string>): string {
  return new URLSearchParams(values).toString();
}

// Patient record and contact details

export function readPatient(id: string): Promise<Patient> {
  return authorized<Patient>(`${FHIR}/Patient/${encodeURIComponent(id)}`);
}

export interface ContactPreferences {
  mobile: string | undefined;
  email: string | undefined;
  smsConsent: boolean | undefined;
  emailConsent: boolean | undefined;
}

function preferencesOf(parameters: Parameters): ContactPreferences {
  const find = (name: string) => parameters.parameter?.find((parameter) => parameter.name === name);
  return {
    mobile: find('mobile')?.valueString,
    email: find('email')?.valueString,
    smsConsent: find('smsConsent')?.valueBoolean,
    emailConsent: find('emailConsent')?.valueBoolean,
  };
}

export async function readContactPreferences(id: string): Promise<ContactPreferences> {
  return preferencesOf(
    await authorized<Parameters>(`${FHIR}/Patient/${encodeURIComponent(id)}/$contact-preferences`),
  );
}

/** Empty mobile or email removes it (the parameter is sent without a value). */
export async function updateContact(id: string, change: ContactPreferences): Promise<ContactPreferences> {
  const text = (name: string, value: string | undefined) =>
    value && value.trim() !== '' ? { name, valueString: value.trim() } : { name };
  const parameter = [
    text('mobile', change.mobile),
    text('email', change.email),
    ...(change.smsConsent !== undefined ? [{ name: 'smsConsent', valueBoolean: change.smsConsent }] : []),
    ...(change.emailConsent !== undefined
      ? [{ name: 'emailConsent', valueBoolean: change.emailConsent }]
      : []),
  ];
  return preferencesOf(
    await authorized<Parameters>(`${FHIR}/Patient/${encodeURIComponent(id)}/$update-contact`, {
      fhir: { resourceType: 'Parameters', parameter },
    }),
  );
}

// Prescriptions and repeats

export const REPEAT_REQUEST_CODE = 'https://fhir.pathways.dev/CodeSystem/task-code|repeat-request';

export async function readPrescriptions(
  patientId: string,
): Promise<{ tasks: Task[]; requests: MedicationRequest[]; repeatRequests: Task[] }> {
  const patient = `Patient/${patientId}`;
  const [tasks, requests, repeats] = await Promise.all([
    authorized<Bundle>(`${FHIR}/Task?${query({ patient })}`),
    authorized<Bundle>(`${FHIR}/MedicationRequest?${query({ subject: patient, _count: '200' })}`),
    // The repeat requests only add a line to each item: without them the page still works.
    authorized<Bundle>(
      `${FHIR}/Task?${query({ code: REPEAT_REQUEST_CODE, subject: patient, _count: '100' })}`,
    ).catch(() => undefined),
  ]);
  return {
    tasks: resourcesOf<Task>(tasks, 'Task'),
    requests: resourcesOf<MedicationRequest>(requests, 'MedicationRequest'),
    repeatRequests: repeats ? resourcesOf<Task>(repeats, 'Task') : [],
  };
}

const ODS = 'https://fhir.nhs.uk/Id/ods-organization-code';

/**
 * Names of organisations by ODS code (prescribers' practices, pharmacies). Only adds words to a
 * page: an answer that fails leaves the codes to speak for themselves.
 */
export async function readOrganisationNames(codes: readonly string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (codes.length === 0) return names;
  const identifier = codes.map((code) => `${ODS}|${code}`).join(',');
  const bundle = await authorized<Bundle>(
    `${FHIR}/Organization?${query({ identifier, _count: String(Math.min(codes.length * 2, 100)) })}`,
  ).catch(() => undefined);
  for (const organisation of bundle ? resourcesOf<Organization>(bundle, 'Organization') : []) {
    const code = organisation.identifier?.find((each) => each.system === ODS)?.value;
    if (code && organisation.name) names.set(code, organisation.name);
  }
  return names;
}

export function readMedicationRequest(id: string): Promise<MedicationRequest> {
  return authorized<MedicationRequest>(`${FHIR}/MedicationRequest/${encodeURIComponent(id)}`);
}

/** [step-up] Creates (or returns the open) repeat request Task for the prescriber's organisation. */
export function requestRepeat(medicationRequestId: string, note: string): Promise<Task> {
  return authorized<Task>(`${FHIR}/MedicationRequest/$request-repeat`, {
    fhir: {
      resourceType: 'Parameters',
      parameter: [
        {
          name: 'medicationRequest',
          valueReference: { reference: `MedicationRequest/${medicationRequestId}` },
        },
        ...(note.trim() !== '' ? [{ name: 'note', valueString: note.trim() }] : []),
      ],
    },
  });
}

// Nominated pharmacy

export interface Nomination {
  pharmacy: Organization | undefined;
  changed: string | undefined;
}

function nominationOf(parameters: Parameters): Nomination {
  const find = (name: string) => parameters.parameter?.find((parameter) => parameter.name === name);
  return {
    pharmacy: find('pharmacy')?.resource as Organization | undefined,
    changed: find('changed')?.valueDateTime,
  };
}

export async function readNomination(patientId: string): Promise<Nomination> {
  return nominationOf(
    await authorized<Parameters>(`${FHIR}/Patient/${encodeURIComponent(patientId)}/$nominated-pharmacy`),
  );
}

/** Pharmacies by name or postcode (the server decides which the words are). */
export async function findPharmacies(words: string): Promise<Organization[]> {
  const bundle = await authorized<Bundle>(
    `${FHIR}/Organization/$find-pharmacy?${query({ q: words.trim() })}`,
  );
  return resourcesOf<Organization>(bundle, 'Organization');
}

/** The ODS code to nominate. */
export async function nominatePharmacy(patientId: string, ods: string): Promise<Nomination> {
  return nominationOf(
    await authorized<Parameters>(`${FHIR}/Patient/${encodeURIComponent(patientId)}/$nominate-pharmacy`, {
      fhir: { resourceType: 'Parameters', parameter: [{ name: 'pharmacy', valueCode: ods }] },
    }),
  );
}

/** Removes the nomination: `pharmacy` given without a value (docs/api.md §10). */
export async function removeNomination(patientId: string): Promise<Nomination> {
  return nominationOf(
    await authorized<Parameters>(`${FHIR}/Patient/${encodeURIComponent(patientId)}/$nominate-pharmacy`, {
      fhir: { resourceType: 'Parameters', parameter: [{ name: 'pharmacy' }] },
    }),
  );
}

// Appointments

export async function readAppointments(patientId: string): Promise<Appointment[]> {
  const bundle = await authorized<Bundle>(
    `${FHIR}/Appointment?${query({ patient: `Patient/${patientId}`, _count: '200' })}`,
  );
  return resourcesOf<Appointment>(bundle, 'Appointment');
}

/** The clinics appointments are at (name, address, phone); empty when none are named or readable. */
export async function readLocations(ids: readonly string[]): Promise<Location[]> {
  if (ids.length === 0) return [];
  const bundle = await authorized<Bundle>(
    `${FHIR}/Location?${query({ _id: ids.join(','), _count: String(Math.min(ids.length, 100)) })}`,
  ).catch(() => undefined);
  return bundle ? resourcesOf<Location>(bundle, 'Location') : [];
}

export function readAppointment(id: string): Promise<Appointment> {
  return authorized<Appointment>(`${FHIR}/Appointment/${encodeURIComponent(id)}`);
}

export function cancelAppointment(id: string, reason: string): Promise<Appointment> {
  return authorized<Appointment>(`${FHIR}/Appointment/${encodeURIComponent(id)}/$cancel`, {
    fhir: { resourceType: 'Parameters', parameter: [{ name: 'reason', valueString: reason }] },
  });
}

export async function availableSlots(id: string): Promise<Slot[]> {
  const bundle = await authorized<Bundle>(
    `${FHIR}/Appointment/${encodeURIComponent(id)}/$available-slots?_count=50`,
  );
  return resourcesOf<Slot>(bundle, 'Slot');
}

export function rescheduleAppointment(id: string, slotId: string): Promise<Appointment> {
  return authorized<Appointment>(`${FHIR}/Appointment/${encodeURIComponent(id)}/$reschedule`, {
    fhir: {
      resourceType: 'Parameters',
      parameter: [{ name: 'slot', valueReference: { reference: `Slot/${slotId}` } }],
    },
  });
}

// Results: only released ones whose safety delay has passed ever come back.

export function readResults(patientId: string): Promise<Bundle> {
  return authorized<Bundle>(
    `${FHIR}/DiagnosticReport?${query({ subject: `Patient/${patientId}`, _include: 'DiagnosticReport:result', _count: '100' })}`,
  );
}

// Enrolment (no token yet)

export interface RegistrationStep {
  registration: string;
  next: string;
  totpSecret?: string;
  otpauthUri?: string;
}

export function register(details: object): Promise<RegistrationStep> {
  return call<RegistrationStep>('/auth/register', { json: details });
}

export function verifyContact(
  registration: string,
  emailCode: string,
  mobileCode: string,
): Promise<RegistrationStep> {
  return call<RegistrationStep>('/auth/register/verify', { json: { registration, emailCode, mobileCode } });
}

export function chooseMfa(registration: string, method: 'totp' | 'sms'): Promise<RegistrationStep> {
  return call<RegistrationStep>('/auth/register/mfa', { json: { registration, method } });
}

export function completeEnrolment(
  registration: string,
  otp: string,
): Promise<{ username: string; fhirUser: string }> {
  return call('/auth/register/complete', { json: { registration, otp } });
}

// Service desk

export interface AccountSummary {
  id: string;
  username: string;
  role: string;
  fhirUser: string | null;
  org: string | null;
  status: string;
  lockedUntil: string | null;
  failedCount: number;
  /** Client addresses locked out of this username (the account itself may be active). */
  lockedAddresses?: number;
  /** A patient account's record, to check who is calling. */
  patient?: { name: string | null; birthDate: string | null; nhsNumber: string | null };
}

export type AccountSearch = 'username' | 'nhsNumber' | 'identifier';

export async function findAccounts(by: AccountSearch, value: string): Promise<AccountSummary[]> {
  const answer = await authorized<{ accounts: AccountSummary[] }>(
    `/admin/accounts?${query({ [by]: value })}`,
  );
  return answer.accounts;
}

export function unlockAccount(id: string): Promise<AccountSummary> {
  return authorized<AccountSummary>(`/admin/accounts/${encodeURIComponent(id)}/unlock`, { json: {} });
}

export interface WorklistItem {
  id: string;
  notificationId: string;
  patient: string;
  /** The patient's name and date of birth, when their record has them. */
  patientName?: string;
  birthDate?: string;
  template: string;
  channelsTried: string[];
  reason: string;
  created: string;
}

export function readWorklist(): Promise<{ total: number; items: WorklistItem[] }> {
  return authorized('/admin/notifications/worklist');
}

export function resolveWorklistItem(id: string, note: string): Promise<WorklistItem> {
  return authorized(`/admin/notifications/worklist/${encodeURIComponent(id)}/resolve`, { json: { note } });
}
