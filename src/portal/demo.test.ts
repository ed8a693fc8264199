/** The portal's demo data, as the demo patient finds it after `npm start`. */
import type { Task } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../test/databases.js';
import { waitFor } from '../../test/support/platform/wait.js';
import { type PortalTest, startPortalTest } from '../../test/support/portal/app.js';
import { ODS_SYSTEM } from '../nhs/index.js';
import { DEMO_PRESCRIPTIONS, PRESCRIPTION_ISSUE_EXTENSION } from '../prescribing/index.js';

describe.each(databaseKinds)('portal demo data on %s', (kind) => {
  let p: PortalTest;
  let patient: string;

  beforeAll(async () => {
    p = await startPortalTest(kind, { PATHWAYS_DEMO: '1' });
    patient = await p.token({ roles: ['patient'], fhirUser: 'Patient/demo-patient-1' });
  });
  afterAll(() => p.close());

  it('gives the demo patient an appointment to move, a released result and one still hidden', async () => {
    expect(p.t.pathways.demoLines.join('\n')).toContain('Appointment/demo-appointment-1');
    const appointment = await p.call(patient, 'GET', '/fhir/R4/Appointment/demo-appointment-1');
    expect(appointment.json()).toMatchObject({ status: 'booked', slot: [{ reference: 'Slot/demo-slot-1' }] });
    const slots = await p.call(patient, 'GET', '/fhir/R4/Appointment/demo-appointment-1/$available-slots');
    expect(slots.json().entry).toHaveLength(5);
    const days = slots
      .json()
      .entry.map((entry: { resource: { start: string } }) => new Date(entry.resource.start).getUTCDay());
    expect(days.filter((day: number) => day === 0 || day === 6)).toEqual([]);
    // Where the clinic is and whom to call, readable by the patient.
    const clinic = await p.call(patient, 'GET', '/fhir/R4/Location?_id=demo-outpatients');
    expect(clinic.json().entry[0].resource).toMatchObject({
      name: 'Outpatients, Leeds General Hospital (demo)',
      telecom: [{ system: 'phone', value: '01632 960 123' }],
    });
    expect(appointment.json().participant[1].actor.reference).toBe('Location/demo-outpatients');
    // The names the prescriptions page shows for the prescriber's practice and the pharmacy.
    const ods = ODS_SYSTEM;
    const organisations = await p.call(
      patient,
      'GET',
      `/fhir/R4/Organization?identifier=${encodeURIComponent(`${ods}|A83008,${ods}|FCG71`)}`,
    );
    expect(
      organisations
        .json()
        .entry.map((entry: { resource: { name: string } }) => entry.resource.name)
        .sort(),
    ).toEqual(['High Street Pharmacy (demo)', 'Riverside Medical Practice (demo)']);
    const whiteCells = await p.call(patient, 'GET', '/fhir/R4/Observation/demo-report-1-white-cells');
    expect(whiteCells.json()).toMatchObject({
      valueQuantity: { value: 11.8 },
      referenceRange: [{ low: { value: 4 }, high: { value: 11 } }],
      interpretation: [{ coding: [{ code: 'H' }] }],
    });
    expect((await p.call(patient, 'GET', '/fhir/R4/DiagnosticReport/demo-report-1')).statusCode).toBe(200);
    expect((await p.call(patient, 'GET', '/fhir/R4/Observation/demo-report-1-haemoglobin')).statusCode).toBe(
      200,
    );
    expect((await p.call(patient, 'GET', '/fhir/R4/DiagnosticReport/demo-report-2')).statusCode).toBe(404);
  });

  it("lets the demo hospital's clinicians read the demo patient's records there, and no other hospital's", async () => {
    const ours = await p.token({ roles: ['clinician'], fhirUser: 'Practitioner/demo-clinician', org: 'RR8' });
    const theirs = await p.token({ roles: ['clinician'], fhirUser: 'Practitioner/elsewhere', org: 'RXX99' });
    for (const url of [
      'Patient/demo-patient-1',
      'Appointment/demo-appointment-1',
      'DiagnosticReport/demo-report-2',
      'Observation/demo-report-1-haemoglobin',
    ]) {
      expect((await p.call(ours, 'GET', `/fhir/R4/${url}`)).statusCode, url).toBe(200);
      expect((await p.call(theirs, 'GET', `/fhir/R4/${url}`)).statusCode, url).toBe(403);
    }
  });

  it("puts one undeliverable message on the service desk's worklist, for the patient without contact details", async () => {
    const desk = await p.token({ roles: ['service-desk'] });
    let items: Array<Record<string, unknown>> = [];
    await waitFor(async () => {
      items = (await p.call(desk, 'GET', '/admin/notifications/worklist')).json().items;
      return items.length > 0;
    }, 'the demo worklist entry');
    expect(items).toEqual([
      expect.objectContaining({
        patient: 'Patient/demo-patient-2',
        patientName: 'Sam Okafor',
        birthDate: '1992-11-03',
        template: 'result-available',
      }),
    ]);
  });

  it('shows the demo patient their repeat-dispensing prescription two issues in, and their nominated pharmacy', async () => {
    const erd = DEMO_PRESCRIPTIONS.repeatDispensing;
    const tasks = (await p.call(patient, 'GET', '/fhir/R4/Task?patient=Patient/demo-patient-1')).json();
    const task = tasks.entry
      .map((entry: { resource: Task }) => entry.resource)
      .find((each: Task) => each.focus?.identifier?.value === erd) as Task;
    expect(task.businessStatus?.coding?.[0]?.code).toBe('0001');
    const issue = task.extension?.find((each) => each.url === PRESCRIPTION_ISSUE_EXTENSION);
    const part = (url: string) => issue?.extension?.filter((each) => each.url === url) ?? [];
    expect(part('issueNumber')[0]?.valueUnsignedInt).toBe(2);
    expect(part('issuesAuthorised')[0]?.valueUnsignedInt).toBe(6);
    expect(part('intervalDays')[0]?.valueUnsignedInt).toBe(7);
    expect(Date.parse(part('issueAvailableFrom')[0]?.valueDateTime ?? '')).not.toBeNaN();
    expect(
      part('earlierIssue').map((earlier) => [
        earlier.extension?.find((each) => each.url === 'issueNumber')?.valueUnsignedInt,
        earlier.extension?.find((each) => each.url === 'status')?.valueCoding?.code,
        earlier.extension?.find((each) => each.url === 'dispenser')?.valueIdentifier?.value,
      ]),
    ).toEqual([[1, '0008', 'FCG71']]);
    const claims = await p.t.pathways.db.query<{ issue: number }>(
      'SELECT issue FROM prescription_claim WHERE short_form_id = $1',
      [erd],
    );
    expect(claims.rows).toEqual([{ issue: 1 }]);
    const nominated = await p.call(patient, 'GET', '/fhir/R4/Patient/demo-patient-1/$nominated-pharmacy');
    expect(nominated.json().parameter[0].resource).toMatchObject({
      name: 'High Street Pharmacy (demo)',
      address: [{ postalCode: 'LS1 6HB' }],
    });
    const nearby = await p.call(patient, 'GET', '/fhir/R4/Organization/$find-pharmacy?q=LS1');
    expect(nearby.json().entry.map((entry: { resource: { name: string } }) => entry.resource.name)).toEqual([
      'Briggate Late-Night Pharmacy (demo)',
      'High Street Pharmacy (demo)',
    ]);
  });

  it('lists the portal operations in the CapabilityStatement', async () => {
    const statement = (await p.call(undefined, 'GET', '/fhir/R4/metadata')).json();
    const operations = (type: string) =>
      statement.rest[0].resource
        .find((resource: { type: string }) => resource.type === type)
        .operation.map((operation: { name: string }) => operation.name);
    expect(operations('Appointment')).toEqual(
      expect.arrayContaining(['cancel', 'reschedule', 'available-slots']),
    );
    expect(operations('DiagnosticReport')).toContain('release');
    expect(operations('MedicationRequest')).toContain('request-repeat');
    expect(operations('Task')).toContain('complete-repeat');
    expect(operations('Patient')).toEqual(
      expect.arrayContaining([
        'update-contact',
        'contact-preferences',
        'nominated-pharmacy',
        'nominate-pharmacy',
      ]),
    );
    expect(operations('Organization')).toContain('find-pharmacy');
  });
});
