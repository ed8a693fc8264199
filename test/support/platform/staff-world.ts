/**
 * The world of the staff-read suites (src/platform/fhir/routes/staff-access.test.ts and
 * break-glass.test.ts): a GP practice (A83008) with a registered prescriber, another practice, a
 * hospital (RR8) with a clinic, appointments, a result and observations, and two pharmacies, one
 * holding a released prescription. Built through the API as production writes it.
 */

import type { Bundle, MedicationRequest, Resource } from '@medplum/fhirtypes';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { releaseParameters } from '../../../src/dispensing/examples/messages.js';
import { generateNhsNumber, ODS_SYSTEM } from '../../../src/nhs/index.js';
import { itemIdOf, shortFormIdOf } from '../../../src/prescribing/examples/order-bundle.js';
import { startTestApp, type TestApp } from '../../app.js';
import type { DatabaseKind } from '../../databases.js';
import { dispensingApi } from '../dispensing/api.js';
import { processMessage, registerPrescriber, type TestPrescriber } from '../prescribing/prescriber.js';

export const REASON = 'Collapsed in clinic; allergies needed before treatment';

export const code = (response: { json(): unknown }) =>
  (response.json() as { issue?: Array<{ details?: { coding?: Array<{ code?: string }> } }> }).issue?.[0]
    ?.details?.coding?.[0]?.code;
export const matches = (bundle: Bundle) =>
  (bundle.entry ?? [])
    .filter((entry) => entry.search?.mode === 'match')
    .map((entry) => `${entry.resource!.resourceType}/${entry.resource!.id}`);
export const included = (bundle: Bundle) =>
  (bundle.entry ?? [])
    .filter((entry) => entry.search?.mode === 'include')
    .map((entry) => `${entry.resource!.resourceType}/${entry.resource!.id}`);

export interface StaffWorld {
  t: TestApp;
  admin: string;
  gp: TestPrescriber;
  api: ReturnType<typeof dispensingApi>;
  /** Prescribers and clinicians: of the GP practice (A83008), another practice, the hospital (RR8). */
  gpToken: string;
  otherPrescriber: string;
  clinician: string;
  pharmacy: string;
  otherPharmacy: string;
  /** Patients: with a prescription at A83008 released to FCG71; registered with A83008; none. */
  rxPatient: string;
  rxItem: string;
  registered: string;
  unrelated: string;
  /** At the hospital: an outpatient (appointment in its clinic) and a lab patient (its result). */
  outpatient: string;
  labPatient: string;
  /** Booked into a slot of the hospital clinic's schedule; observed by the hospital. */
  booked: string;
  observed: string;
  outpatientObservation: string;
  unrelatedObservation: string;
  rxObservation: string;
  get: (authorization: string, url: string, reason?: string) => Promise<LightMyRequestResponse>;
  /** A prescription by the GP nominated to `nominated`, stored: its order, patient and item. */
  prescribe: (nominated: string) => Promise<{ order: Bundle; patient: string; item: string }>;
}

export async function staffWorld(kind: DatabaseKind): Promise<StaffWorld> {
  const t = await startTestApp(kind);
  const admin = await t.bearer({ roles: ['admin'] });
  let gp: TestPrescriber;
  let gpToken: string;
  const get = (authorization: string, url: string, reason?: string) =>
    t.pathways.app.inject({
      method: 'GET',
      url,
      headers: { authorization, ...(reason !== undefined ? { 'x-break-glass-reason': reason } : {}) },
    });
  const post = async (url: string, body: object): Promise<Resource> => {
    const response = await t.pathways.app.inject({
      method: 'POST',
      url,
      headers: { authorization: admin, 'content-type': 'application/fhir+json' },
      payload: body,
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json();
  };
  async function prescribe(nominated: string): Promise<{ order: Bundle; patient: string; item: string }> {
    const order = await gp.signedOrder({ nhsNumber: generateNhsNumber(), nominatedPharmacy: nominated });
    const response = await processMessage(t, order, gpToken);
    expect(response.statusCode, response.body).toBe(200);
    const item = itemIdOf(order);
    const stored = (await get(admin, `/fhir/R4/MedicationRequest/${item}`)).json() as MedicationRequest;
    return { order, patient: stored.subject!.reference!, item };
  }

  gp = await registerPrescriber(t);
  gpToken = await gp.bearer();
  const api = dispensingApi(t);
  const otherPrescriber = await t.bearer({
    roles: ['prescriber'],
    fhirUser: 'Practitioner/elsewhere',
    org: 'B82010',
  });
  const clinician = await t.bearer({ roles: ['clinician'], fhirUser: 'Practitioner/consultant', org: 'RR8' });
  const pharmacy = await api.pharmacist('FCG71');
  const otherPharmacy = await api.pharmacist('FEW08');

  const prescribed = await prescribe('FCG71');
  const rxPatient = prescribed.patient;
  const rxItem = `MedicationRequest/${prescribed.item}`;
  const released = await api.release(releaseParameters('FCG71', shortFormIdOf(prescribed.order)), pharmacy);
  expect(released.statusCode, released.body).toBe(200);

  const patient = async (family: string, extra: object = {}) =>
    `Patient/${(await post('/fhir/R4/Patient', { resourceType: 'Patient', name: [{ family }], ...extra })).id}`;
  const registered = await patient('Registered', {
    generalPractitioner: [{ identifier: { system: ODS_SYSTEM, value: 'A83008' } }],
  });
  const unrelated = await patient('Unrelated');
  const outpatient = await patient('Outpatient');
  const labPatient = await patient('Laboratory');

  const hospital = await post('/fhir/R4/Organization', {
    resourceType: 'Organization',
    identifier: [{ system: ODS_SYSTEM, value: 'RR8' }],
    name: 'Hospital',
  });
  const clinic = await post('/fhir/R4/Location', {
    resourceType: 'Location',
    name: 'Outpatients',
    managingOrganization: { reference: `Organization/${hospital.id}` },
  });
  await post('/fhir/R4/Appointment', {
    resourceType: 'Appointment',
    status: 'booked',
    start: '2027-03-01T09:00:00Z',
    end: '2027-03-01T09:30:00Z',
    participant: [
      { actor: { reference: outpatient }, status: 'accepted' },
      { actor: { reference: `Location/${clinic.id}` }, status: 'accepted' },
    ],
  });
  await post('/fhir/R4/DiagnosticReport', {
    resourceType: 'DiagnosticReport',
    status: 'final',
    code: { text: 'Full blood count' },
    subject: { reference: labPatient },
    performer: [{ identifier: { system: ODS_SYSTEM, value: 'RR8' } }],
  });
  const observation = async (subject: string) =>
    `Observation/${
      (
        await post('/fhir/R4/Observation', {
          resourceType: 'Observation',
          status: 'final',
          code: { text: 'Blood pressure' },
          subject: { reference: subject },
        })
      ).id
    }`;
  const booked = await patient('Booked');
  const schedule = await post('/fhir/R4/Schedule', {
    resourceType: 'Schedule',
    active: true,
    actor: [{ reference: `Location/${clinic.id}` }],
  });
  const slot = await post('/fhir/R4/Slot', {
    resourceType: 'Slot',
    schedule: { reference: `Schedule/${schedule.id}` },
    status: 'free',
    start: '2027-03-02T09:00:00Z',
    end: '2027-03-02T09:30:00Z',
  });
  await post('/fhir/R4/Appointment', {
    resourceType: 'Appointment',
    status: 'booked',
    slot: [{ reference: `Slot/${slot.id}` }],
    participant: [{ actor: { reference: booked }, status: 'accepted' }],
  });
  const observed = await patient('Observed');
  await post('/fhir/R4/Observation', {
    resourceType: 'Observation',
    status: 'final',
    code: { text: 'Temperature' },
    subject: { reference: observed },
    performer: [{ reference: `Organization/${hospital.id}` }],
  });
  const outpatientObservation = await observation(outpatient);
  const unrelatedObservation = await observation(unrelated);
  const rxObservation = await observation(rxPatient);
  return {
    t,
    admin,
    gp,
    api,
    gpToken,
    otherPrescriber,
    clinician,
    pharmacy,
    otherPharmacy,
    rxPatient,
    rxItem,
    registered,
    unrelated,
    outpatient,
    labPatient,
    booked,
    observed,
    outpatientObservation,
    unrelatedObservation,
    rxObservation,
    get,
    prescribe,
  };
}
