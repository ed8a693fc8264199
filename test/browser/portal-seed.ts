/**
 * What the portal journey needs, put in place through the service's own APIs the way its users
 * would: an administrator registers patients, a registered prescriber sends a signed prescription,
 * a clinician sets up a clinic with free slots, books appointments and releases a result. The
 * service-desk account is created the way `pathways user add` does it.
 */
import type { Appointment, Slot } from '@medplum/fhirtypes';
import { expect } from 'vitest';
import { createAccount } from '../../src/identity/accounts/store.js';
import { generateNhsNumber, NHS_NUMBER_SYSTEM, ODS_SYSTEM } from '../../src/nhs/index.js';
import { fromLondon, MONTH_NAMES, toLondon } from '../../src/platform/time/london-time.js';
import type { TestApp } from '../app.js';
import { waitFor } from '../support/platform/wait.js';
import { processMessage, registerPrescriber } from '../support/prescribing/prescriber.js';

export interface PatientFixture {
  id: string;
  nhsNumber: string;
  given: string;
  family: string;
  /** Day, month and year as the patient types them. */
  birth: { day: string; month: string; year: string };
  postcode: string;
  email: string;
  /** As typed, and as the recorded text messages are addressed. */
  mobile: string;
  mobileE164: string;
  password: string;
}

export interface JourneySeed {
  patient: PatientFixture;
  /** The prescription's items: the journey asks to repeat the first, each page scan one more. */
  medicines: string[];
  prescriberOrg: string;
  /** Names of the prescriber's practice and the nominated pharmacy, as the cards show them. */
  prescriberName: string;
  pharmacyName: string;
  /** A pharmacy the patient finds by postcode on the nomination page, and its postcode district. */
  nominable: { name: string; district: string };
  /** The medicine of the patient's repeat-dispensing (eRD) prescription, at its first issue. */
  erdMedicine: string;
  clinicPhone: string;
  toCancel: Appointment;
  toMove: Appointment;
  releasedReport: string;
  hiddenReport: string;
}

type Method = 'GET' | 'POST' | 'PUT';

export async function api(t: TestApp, authorization: string, method: Method, url: string, body?: unknown) {
  const response = await t.pathways.app.inject({
    method,
    url,
    headers: { authorization, ...(body !== undefined ? { 'content-type': 'application/fhir+json' } : {}) },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  if (response.statusCode >= 300)
    throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`);
  return response.json();
}

let patients = 0;

/** A Patient on the register (as an administrator), and the details its owner enrols with. */
/** Pharmacies a patient can find and nominate (ODS role 182, an ODS code), stored by an admin. */
export async function storePharmacies(
  t: TestApp,
  admin: string,
  pharmacies: ReadonlyArray<{ ods: string; name: string; postalCode: string }>,
): Promise<void> {
  for (const { ods, name, postalCode } of pharmacies) {
    await api(t, admin, 'POST', '/fhir/R4/Organization', {
      resourceType: 'Organization',
      identifier: [{ system: ODS_SYSTEM, value: ods }],
      active: true,
      type: [{ coding: [{ system: 'https://fhir.nhs.uk/CodeSystem/organisation-role', code: '182' }] }],
      name,
      address: [{ line: ['1 Market Street'], city: 'Leeds', postalCode }],
    });
  }
}

export async function registerPatient(t: TestApp, given: string, family: string): Promise<PatientFixture> {
  patients++;
  const nhsNumber = generateNhsNumber();
  const mobile = `07700 900${String(100 + patients).padStart(3, '0')}`;
  const patient = await api(t, await t.bearer({ roles: ['admin'] }), 'POST', '/fhir/R4/Patient', {
    resourceType: 'Patient',
    identifier: [{ system: NHS_NUMBER_SYSTEM, value: nhsNumber }],
    name: [{ use: 'official', family, given: [given] }],
    gender: 'female',
    birthDate: `1979-0${(patients % 9) + 1}-1${patients % 10}`,
    address: [{ use: 'home', line: ['12 Park Row'], city: 'Leeds', postalCode: 'LS1 5HD' }],
    // A patient of the hospital (RXX01), so that its clinicians may read their records.
    managingOrganization: {
      identifier: { system: ODS_SYSTEM, value: 'RXX01' },
    },
  });
  const [year, month, day] = (patient.birthDate as string).split('-') as [string, string, string];
  return {
    id: patient.id,
    nhsNumber,
    given,
    family,
    birth: { day: String(Number(day)), month: String(Number(month)), year },
    postcode: 'ls1 5hd',
    email: `${given}.${family}@example.org`.toLowerCase(),
    mobile,
    mobileE164: `+44${mobile.replace(/\s/g, '').slice(1)}`,
    password: 'blue harbour lantern 42',
  };
}

function hoursFromNow(hours: number): string {
  return new Date(Math.floor((Date.now() + hours * 3_600_000) / 60_000) * 60_000).toISOString();
}

const LAB = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }],
};

/** A report with one observation for `patient`; released (delay 0 in the suite) when asked. */
export async function report(t: TestApp, patient: string, title: string, release: boolean): Promise<string> {
  const clinician = await t.bearer({
    roles: ['clinician'],
    fhirUser: 'Practitioner/clinician-1',
    org: 'RXX01',
  });
  const observation = await api(t, clinician, 'POST', '/fhir/R4/Observation', {
    resourceType: 'Observation',
    status: 'final',
    category: [LAB],
    code: { text: 'Haemoglobin' },
    subject: { reference: patient },
    valueQuantity: { value: 131, unit: 'g/L' },
    referenceRange: [{ low: { value: 115, unit: 'g/L' }, high: { value: 165, unit: 'g/L' } }],
  });
  const created = await api(t, clinician, 'POST', '/fhir/R4/DiagnosticReport', {
    resourceType: 'DiagnosticReport',
    status: 'final',
    code: { text: title },
    subject: { reference: patient },
    issued: new Date().toISOString(),
    result: [{ reference: `Observation/${observation.id}` }],
  });
  if (release) await api(t, clinician, 'POST', `/fhir/R4/DiagnosticReport/${created.id}/$release`);
  return created.id;
}

export async function seedJourney(t: TestApp): Promise<JourneySeed> {
  const patient = await registerPatient(t, 'Zoe', 'Mensah');
  const reference = `Patient/${patient.id}`;

  const gp = await registerPrescriber(t);
  // The practice and the pharmacy the example order nominates, known to the service by ODS code.
  const admin = await t.bearer({ roles: ['admin'] });
  const names = { [gp.ods]: 'Riverside Medical Practice', VNE51: 'Chapel Street Pharmacy' };
  for (const [ods, name] of Object.entries(names)) {
    await api(t, admin, 'POST', '/fhir/R4/Organization', {
      resourceType: 'Organization',
      identifier: [{ system: ODS_SYSTEM, value: ods }],
      name,
    });
  }
  // Pharmacies a patient may nominate (ODS role 182), one in the LS2 district.
  const nominable = { name: 'Kirkgate Pharmacy', district: 'LS2' };
  await storePharmacies(t, admin, [
    { ods: 'FKG01', name: nominable.name, postalCode: 'LS2 7HY' },
    { ods: 'FHD02', name: 'Headingley Pharmacy', postalCode: 'LS6 3AB' },
  ]);
  const items = [
    { code: '39732311000001104', display: 'Amoxicillin 250mg capsules', quantity: 21 },
    { code: '322341003', display: 'Co-codamol 30mg/500mg tablets', quantity: 30 },
    { code: '324252006', display: 'Azithromycin 250mg capsules', quantity: 6 },
  ];
  const order = await gp.signedOrder({ nhsNumber: patient.nhsNumber, items });
  const sent = await processMessage(t, order, await gp.bearer());
  expect(sent.statusCode, sent.body).toBe(200);
  const erdMedicine = 'Paracetamol 500mg soluble tablets';
  const erd = await gp.signedOrder({
    nhsNumber: patient.nhsNumber,
    items: [{ code: '322237000', display: erdMedicine, quantity: 56 }],
    repeatDispensing: { repeats: 5, intervalDays: 28 },
  });
  const erdSent = await processMessage(t, erd, await gp.bearer());
  expect(erdSent.statusCode, erdSent.body).toBe(200);

  const clinician = await t.bearer({
    roles: ['clinician'],
    fhirUser: 'Practitioner/clinician-1',
    org: 'RXX01',
  });
  const clinicPhone = '0113 496 0123';
  const location = await api(t, admin, 'POST', '/fhir/R4/Location', {
    resourceType: 'Location',
    status: 'active',
    name: 'Cardiology clinic, Leeds General Infirmary',
    address: { line: ['Great George Street'], city: 'Leeds', postalCode: 'LS1 3EX' },
    telecom: [{ system: 'phone', value: clinicPhone }],
  });
  const clinic = {
    reference: `Location/${location.id}`,
    display: 'Cardiology clinic, Leeds General Infirmary',
  };
  const schedule = await api(t, clinician, 'POST', '/fhir/R4/Schedule', {
    resourceType: 'Schedule',
    active: true,
    actor: [clinic],
  });
  const slots: Slot[] = [];
  // A Saturday morning in London at least two days on: outpatient appointments are never moved to it.
  let saturday = new Date(Date.now() + 48 * 3_600_000);
  while (toLondon(saturday).weekday !== 6) saturday = new Date(saturday.getTime() + 86_400_000);
  const { year, month, day } = toLondon(saturday);
  const saturdayHours = (fromLondon(year, month, day, 10).getTime() - Date.now()) / 3_600_000;
  for (const hours of [72, 96, 120, 144, 168, saturdayHours]) {
    slots.push(
      await api(t, clinician, 'POST', '/fhir/R4/Slot', {
        resourceType: 'Slot',
        schedule: { reference: `Schedule/${schedule.id}` },
        status: 'free',
        start: hoursFromNow(hours),
        end: hoursFromNow(hours + 0.5),
      }),
    );
  }
  const book = (slot: Slot, description: string): Promise<Appointment> =>
    api(t, clinician, 'POST', '/fhir/R4/Appointment', {
      resourceType: 'Appointment',
      status: 'booked',
      description,
      appointmentType: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0276', code: 'FOLLOWUP' }],
      },
      slot: [{ reference: `Slot/${slot.id}` }],
      participant: [
        { actor: { reference: reference }, status: 'accepted' },
        { actor: clinic, status: 'accepted' },
      ],
    });
  const toMove = await book(slots[0]!, 'Cardiology follow-up');
  const toCancel = await book(slots[1]!, 'Blood pressure check');

  const releasedReport = await report(t, reference, 'Full blood count', true);
  const hiddenReport = await report(t, reference, 'Liver function tests', false);
  return {
    patient,
    medicines: items.map((item) => item.display),
    prescriberOrg: gp.ods,
    prescriberName: names[gp.ods]!,
    pharmacyName: names.VNE51,
    nominable,
    erdMedicine,
    clinicPhone,
    toCancel,
    toMove,
    releasedReport,
    hiddenReport,
  };
}

export interface DeskSeed {
  username: string;
  password: string;
  totpSecret: string;
  locked: string;
  /** The locked patient's NHS number, and their name and date of birth as the desk shows them. */
  lockedNhsNumber: string;
  lockedName: string;
  lockedBirthDate: string;
}

/**
 * A service-desk account, a patient account locked by five wrong passwords, and notifications no
 * one could deliver (patients without a mobile or email), which end on the desk's worklist.
 */
export async function seedDesk(t: TestApp, worklistItems: number): Promise<DeskSeed> {
  const { secretKey } = t.pathways.identity;
  const desk = await createAccount(t.pathways.db, {
    username: 'desk.officer',
    role: 'service-desk',
    secretKey,
  });
  const lockedPatient = await registerPatient(t, 'Sam', 'Locked');
  const locked = await createAccount(t.pathways.db, {
    username: lockedPatient.email,
    role: 'patient',
    fhirUser: `Patient/${lockedPatient.id}`,
    secretKey,
  });
  for (let attempt = 0; attempt < 5; attempt++) {
    await t.pathways.app.inject({
      method: 'POST',
      url: '/auth/login',
      remoteAddress: `10.77.0.${attempt + 1}`,
      payload: {
        username: locked.username,
        password: 'not the password',
        codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        codeChallengeMethod: 'S256',
      },
    });
  }
  const deskToken = await t.bearer({ roles: ['service-desk'] });
  const found = await api(
    t,
    deskToken,
    'GET',
    `/admin/accounts?username=${encodeURIComponent(locked.username)}`,
  );
  expect(found.accounts[0].lockedUntil, 'the account is locked').not.toBeNull();

  for (let index = 0; index < worklistItems; index++) {
    const unreachable = await api(t, await t.bearer({ roles: ['admin'] }), 'POST', '/fhir/R4/Patient', {
      resourceType: 'Patient',
      name: [{ family: `Unreachable${index}`, given: ['Pat'] }],
    });
    await report(t, `Patient/${unreachable.id}`, 'Full blood count', true);
  }
  await waitFor(
    async () => (await api(t, deskToken, 'GET', '/admin/notifications/worklist')).total >= worklistItems,
    'undeliverable notifications on the worklist',
    60_000,
  );
  return {
    username: desk.username,
    password: desk.password,
    totpSecret: desk.totpSecret,
    locked: locked.username,
    lockedNhsNumber: lockedPatient.nhsNumber,
    lockedName: `${lockedPatient.given} ${lockedPatient.family}`,
    lockedBirthDate: `${lockedPatient.birth.day} ${MONTH_NAMES[Number(lockedPatient.birth.month) - 1]} ${lockedPatient.birth.year}`,
  };
}

/** The newest code sent to `recipient`, once more than `seen` messages of `template` went there. */
export async function nextCode(
  t: TestApp,
  recipient: string,
  template: 'verify-contact' | 'sign-in-code',
  seen: number,
): Promise<{ code: string; count: number }> {
  let rows: Array<{ body: string }> = [];
  await waitFor(
    async () => {
      const result = await t.pathways.db.query<{ body: string }>(
        `SELECT body FROM notification_recorded WHERE recipient = $1 AND template = $2 ORDER BY created_at DESC, id`,
        [recipient, template],
      );
      rows = result.rows;
      return rows.length > seen;
    },
    `a ${template} message to the patient`,
    30_000,
  );
  const code = /\b(\d{6})\b/.exec(rows[0]!.body)?.[1];
  if (!code) throw new Error(`no code in the ${template} message`);
  return { code, count: rows.length };
}
