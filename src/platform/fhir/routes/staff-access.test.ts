/**
 * Staff reads through the generic FHIR API (issue 17 §6): a prescriber or clinician reads the
 * patients related to their organisation (a prescription written there, the GP practice, an
 * appointment, a result) and those patients' records; a dispenser the prescriptions released to
 * their pharmacy and their patients; registrars and the service desk no clinical data. Tested from
 * the wrong role, the wrong organisation and an unrelated patient, by id and by search (totals
 * included), and the break-the-glass read: accepted with a reason, audited with BTG, evented.
 */
import type { Bundle, MedicationRequest, Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../../test/app.js';
import { databaseKinds } from '../../../../test/databases.js';
import { dispensingApi } from '../../../../test/support/dispensing/api.js';
import {
  processMessage,
  registerPrescriber,
  type TestPrescriber,
} from '../../../../test/support/prescribing/prescriber.js';
import {
  claim,
  dispenseNotification,
  releaseParameters,
  returnTask,
} from '../../../dispensing/examples/messages.js';
import { generateNhsNumber } from '../../../nhs/index.js';
import { itemIdOf, shortFormIdOf } from '../../../prescribing/examples/order-bundle.js';

const ODS = 'https://fhir.nhs.uk/Id/ods-organization-code';
const REASON = 'Collapsed in clinic; allergies needed before treatment';

describe.each(databaseKinds)('staff reads on %s', (kind) => {
  let t: TestApp;
  let admin: string;
  let gp: TestPrescriber;
  let api: ReturnType<typeof dispensingApi>;
  /** Prescribers and clinicians: of the GP practice (A83008), another practice, the hospital (RR8). */
  let gpToken: string;
  let otherPrescriber: string;
  let clinician: string;
  let pharmacy: string;
  let otherPharmacy: string;
  /** Patients: with a prescription at A83008 released to FCG71; registered with A83008; none. */
  let rxPatient: string;
  let rxItem: string;
  let registered: string;
  let unrelated: string;
  /** At the hospital: an outpatient (appointment in its clinic) and a lab patient (its result). */
  let outpatient: string;
  let labPatient: string;
  /** Booked into a slot of the hospital clinic's schedule; observed by the hospital. */
  let booked: string;
  let observed: string;
  let outpatientObservation: string;
  let unrelatedObservation: string;
  let rxObservation: string;

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
  const code = (response: { json(): unknown }) =>
    (response.json() as { issue?: Array<{ details?: { coding?: Array<{ code?: string }> } }> }).issue?.[0]
      ?.details?.coding?.[0]?.code;
  const matches = (bundle: Bundle) =>
    (bundle.entry ?? [])
      .filter((entry) => entry.search?.mode === 'match')
      .map((entry) => `${entry.resource!.resourceType}/${entry.resource!.id}`);
  const included = (bundle: Bundle) =>
    (bundle.entry ?? [])
      .filter((entry) => entry.search?.mode === 'include')
      .map((entry) => `${entry.resource!.resourceType}/${entry.resource!.id}`);

  async function prescribe(nominated: string): Promise<{ order: Bundle; patient: string; item: string }> {
    const order = await gp.signedOrder({ nhsNumber: generateNhsNumber(), nominatedPharmacy: nominated });
    const response = await processMessage(t, order, gpToken);
    expect(response.statusCode, response.body).toBe(200);
    const item = itemIdOf(order);
    const stored = (await get(admin, `/fhir/R4/MedicationRequest/${item}`)).json() as MedicationRequest;
    return { order, patient: stored.subject!.reference!, item };
  }

  beforeAll(async () => {
    t = await startTestApp(kind);
    admin = await t.bearer({ roles: ['admin'] });
    gp = await registerPrescriber(t);
    gpToken = await gp.bearer();
    api = dispensingApi(t);
    otherPrescriber = await t.bearer({
      roles: ['prescriber'],
      fhirUser: 'Practitioner/elsewhere',
      org: 'B82010',
    });
    clinician = await t.bearer({ roles: ['clinician'], fhirUser: 'Practitioner/consultant', org: 'RR8' });
    pharmacy = await api.pharmacist('FCG71');
    otherPharmacy = await api.pharmacist('FEW08');

    const prescribed = await prescribe('FCG71');
    rxPatient = prescribed.patient;
    rxItem = `MedicationRequest/${prescribed.item}`;
    const released = await api.release(releaseParameters('FCG71', shortFormIdOf(prescribed.order)), pharmacy);
    expect(released.statusCode, released.body).toBe(200);

    const patient = async (family: string, extra: object = {}) =>
      `Patient/${(await post('/fhir/R4/Patient', { resourceType: 'Patient', name: [{ family }], ...extra })).id}`;
    registered = await patient('Registered', {
      generalPractitioner: [{ identifier: { system: ODS, value: 'A83008' } }],
    });
    unrelated = await patient('Unrelated');
    outpatient = await patient('Outpatient');
    labPatient = await patient('Laboratory');

    const hospital = await post('/fhir/R4/Organization', {
      resourceType: 'Organization',
      identifier: [{ system: ODS, value: 'RR8' }],
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
      performer: [{ identifier: { system: ODS, value: 'RR8' } }],
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
    booked = await patient('Booked');
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
    observed = await patient('Observed');
    await post('/fhir/R4/Observation', {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'Temperature' },
      subject: { reference: observed },
      performer: [{ reference: `Organization/${hospital.id}` }],
    });
    outpatientObservation = await observation(outpatient);
    unrelatedObservation = await observation(unrelated);
    rxObservation = await observation(rxPatient);
  });
  afterAll(() => t?.close());

  it("gives prescribers their organisation's patients and those patients' records, nobody else's", async () => {
    for (const url of [rxPatient, rxItem, registered, rxObservation]) {
      expect((await get(gpToken, `/fhir/R4/${url}`)).statusCode, url).toBe(200);
    }
    for (const url of [unrelated, unrelatedObservation, outpatient]) {
      const refused = await get(gpToken, `/fhir/R4/${url}`);
      expect(refused.statusCode, url).toBe(403);
      expect(code(refused)).toBe('FORBIDDEN');
    }
    // Another practice: no relationship to any of them.
    for (const url of [rxPatient, rxItem, registered, rxObservation]) {
      const refused = await get(otherPrescriber, `/fhir/R4/${url}`);
      expect(refused.statusCode, url).toBe(403);
      expect(refused.body).not.toContain('Registered');
    }
    // History and versions are held to the same rule.
    expect((await get(otherPrescriber, `/fhir/R4/${rxPatient}/_history`)).statusCode).toBe(403);
    expect((await get(otherPrescriber, `/fhir/R4/${rxPatient}/_history/1`)).statusCode).toBe(403);
    expect((await get(gpToken, `/fhir/R4/${rxPatient}/_history`)).statusCode).toBe(200);
  });

  it('searches only related records, with totals and paging that count nothing else', async () => {
    const mine = (await get(gpToken, '/fhir/R4/Patient?_total=accurate&_count=1')).json() as Bundle;
    expect(mine.total).toBe(2);
    expect(mine.link?.some((link) => link.relation === 'next')).toBe(true);
    const all = (await get(gpToken, '/fhir/R4/Patient?_count=50')).json() as Bundle;
    expect(matches(all).sort()).toEqual([rxPatient, registered].sort());
    const counted = (await get(gpToken, '/fhir/R4/Patient?_summary=count')).json() as Bundle;
    expect(counted.total).toBe(2);

    const elsewhere = (await get(otherPrescriber, '/fhir/R4/Patient?_total=accurate')).json() as Bundle;
    expect(elsewhere.total).toBe(0);
    expect(elsewhere.entry ?? []).toHaveLength(0);
    const theirs = (
      await get(otherPrescriber, `/fhir/R4/MedicationRequest?subject=${rxPatient}&_total=accurate`)
    ).json() as Bundle;
    expect(theirs.total).toBe(0);
    const named = (
      await get(otherPrescriber, '/fhir/R4/Patient?family=Registered&_count=0')
    ).json() as Bundle;
    expect(named.total).toBe(0);
    const observations = (await get(gpToken, '/fhir/R4/Observation')).json() as Bundle;
    expect(matches(observations)).toEqual([rxObservation]);
  });

  it('relates hospital clinicians through appointments and results at their organisation', async () => {
    for (const url of [outpatient, outpatientObservation, labPatient, booked, observed]) {
      expect((await get(clinician, `/fhir/R4/${url}`)).statusCode, url).toBe(200);
    }
    for (const url of [unrelated, unrelatedObservation, rxPatient]) {
      expect((await get(clinician, `/fhir/R4/${url}`)).statusCode, url).toBe(403);
    }
    const observations = (
      await get(clinician, `/fhir/R4/Observation?_total=accurate&subject=${outpatient},${unrelated}`)
    ).json() as Bundle;
    expect(matches(observations)).toEqual([outpatientObservation]);
    expect(observations.total).toBe(1);
  });

  it('gives a pharmacy the prescriptions released to it and their patients, while it holds them', async () => {
    expect((await get(pharmacy, `/fhir/R4/${rxPatient}`)).statusCode).toBe(200);
    expect((await get(pharmacy, `/fhir/R4/${rxItem}`)).statusCode).toBe(200);
    for (const url of [rxPatient, rxItem]) {
      expect((await get(otherPharmacy, `/fhir/R4/${url}`)).statusCode, url).toBe(403);
    }
    expect((await get(pharmacy, `/fhir/R4/${unrelated}`)).statusCode).toBe(403);
    // A pharmacy reads no results or observations, related or not.
    expect((await get(pharmacy, `/fhir/R4/${rxObservation}`)).statusCode).toBe(403);
    expect((await get(pharmacy, '/fhir/R4/Observation')).statusCode).toBe(403);
    const requests = (await get(pharmacy, '/fhir/R4/MedicationRequest?_total=accurate')).json() as Bundle;
    expect(matches(requests)).toEqual([rxItem]);
    expect(requests.total).toBe(1);
    expect(
      ((await get(otherPharmacy, '/fhir/R4/MedicationRequest')).json() as Bundle).entry ?? [],
    ).toHaveLength(0);
    // Included records are held to the same rule: the patient yes, their observations no.
    const withPatient = (
      await get(pharmacy, '/fhir/R4/MedicationRequest?_include=MedicationRequest:subject')
    ).json() as Bundle;
    expect(included(withPatient)).toEqual([rxPatient]);
    const withObservations = (
      await get(pharmacy, `/fhir/R4/Patient?_id=${rxPatient.split('/')[1]}&_revinclude=Observation:subject`)
    ).json() as Bundle;
    expect(matches(withObservations)).toEqual([rxPatient]);
    expect(included(withObservations)).toEqual([]);

    // A prescription dispensed and claimed: the claim is the pharmacy's alone.
    const second = await prescribe('FCG71');
    const id = shortFormIdOf(second.order);
    expect((await api.release(releaseParameters('FCG71', id), pharmacy)).statusCode).toBe(200);
    const note = dispenseNotification(id, 'FCG71', [{ itemId: second.item, type: '0001', quantity: 20 }]);
    expect((await api.message(note, pharmacy)).statusCode).toBe(200);
    expect((await api.claim(claim(id), pharmacy)).statusCode).toBe(200);
    const claims = (await get(admin, `/fhir/R4/Claim?patient=${second.patient}`)).json() as Bundle;
    const claimUrl = matches(claims)[0]!;
    expect((await get(pharmacy, `/fhir/R4/${claimUrl}`)).statusCode).toBe(200);
    expect((await get(otherPharmacy, `/fhir/R4/${claimUrl}`)).statusCode).toBe(403);

    // Returned to the spine, the first prescription is no longer the pharmacy's to read.
    const third = await prescribe('FCG71');
    expect(
      (await api.release(releaseParameters('FCG71', shortFormIdOf(third.order)), pharmacy)).statusCode,
    ).toBe(200);
    expect((await get(pharmacy, `/fhir/R4/MedicationRequest/${third.item}`)).statusCode).toBe(200);
    expect((await api.task(returnTask(shortFormIdOf(third.order), 'FCG71'), pharmacy)).statusCode).toBe(200);
    expect((await get(pharmacy, `/fhir/R4/MedicationRequest/${third.item}`)).statusCode).toBe(403);
  });

  it('keeps registrars to the register and the service desk to demographics', async () => {
    const registrar = await t.bearer({ roles: ['registrar'], fhirUser: 'Practitioner/registrar' });
    const desk = await t.bearer({ roles: ['service-desk'] });
    expect((await get(registrar, '/fhir/R4/Organization')).statusCode).toBe(200);
    expect((await get(registrar, `/fhir/R4/Practitioner/${gp.practitionerId}`)).statusCode).toBe(200);
    for (const url of [
      rxPatient,
      rxItem,
      rxObservation,
      'Patient',
      'MedicationRequest',
      'DiagnosticReport',
    ]) {
      expect((await get(registrar, `/fhir/R4/${url}`)).statusCode, url).toBe(403);
    }
    // Identity checks: the service desk reads any patient's demographics…
    expect((await get(desk, `/fhir/R4/${unrelated}`)).statusCode).toBe(200);
    expect(matches((await get(desk, '/fhir/R4/Patient?family=Unrelated')).json())).toEqual([unrelated]);
    // …and no clinical record, not even through an include.
    for (const url of [rxItem, rxObservation, 'MedicationRequest', 'Observation', 'DiagnosticReport']) {
      expect((await get(desk, `/fhir/R4/${url}`)).statusCode, url).toBe(403);
    }
    const withRequests = (
      await get(desk, `/fhir/R4/Patient?_id=${rxPatient.split('/')[1]}&_revinclude=MedicationRequest:subject`)
    ).json() as Bundle;
    expect(matches(withRequests)).toEqual([rxPatient]);
    expect(included(withRequests)).toEqual([]);
    // The glass never opens a role: a stated reason changes nothing for them.
    expect((await get(registrar, `/fhir/R4/${rxPatient}`, REASON)).statusCode).toBe(403);
    expect((await get(desk, `/fhir/R4/${rxItem}`, REASON)).statusCode).toBe(403);
  });

  it('refuses related records in transactions (read them through the routes that apply the rule)', async () => {
    const response = await t.pathways.app.inject({
      method: 'POST',
      url: '/fhir/R4',
      headers: { authorization: gpToken, 'content-type': 'application/fhir+json' },
      payload: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ request: { method: 'GET', url: unrelated } }],
      },
    });
    expect(response.statusCode).toBe(403);
  });

  it('breaks the glass with a stated reason: the read is audited with BTG and raised to the organisation', async () => {
    const before = await breakGlassEvents();
    expect((await get(otherPrescriber, `/fhir/R4/${rxPatient}`)).statusCode).toBe(403);
    const read = await get(otherPrescriber, `/fhir/R4/${rxPatient}`, REASON);
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json().id).toBe(rxPatient.split('/')[1]);

    const audit = await auditOf(rxPatient);
    const btg = audit.filter((event) => event.purposeOfEvent?.[0]?.coding?.[0]?.code === 'BTG');
    expect(btg).toHaveLength(1);
    expect(btg[0]).toMatchObject({
      outcome: '0',
      purposeOfEvent: [{ text: REASON }],
      subtype: [{ code: 'read' }],
    });
    expect(audit.some((event) => event.outcome === '4')).toBe(true);

    const events = (await breakGlassEvents()).slice(before.length);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      key: 'break-glass/B82010',
      payload: {
        organisation: 'B82010',
        agent: 'Practitioner/elsewhere',
        purposeOfUse: 'BTG',
        reason: REASON,
        interaction: 'read',
        resourceType: 'Patient',
        reference: rxPatient,
        patients: [rxPatient],
      },
    });
    const metrics = (await t.pathways.metricsApp.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/pathways_break_glass_reads_total\{resource_type="Patient"\} 1/);

    // A related read with a reason is an ordinary read: nothing to review.
    expect((await get(gpToken, `/fhir/R4/${rxPatient}`, REASON)).statusCode).toBe(200);
    expect(await breakGlassEvents()).toHaveLength(before.length + 1);
  });

  it('breaks the glass on a search: every record it finds, audited with BTG, one event', async () => {
    const before = await breakGlassEvents();
    const url = `/fhir/R4/MedicationRequest?subject=${rxPatient}`;
    expect(((await get(otherPrescriber, url)).json() as Bundle).entry ?? []).toHaveLength(0);
    const found = (await get(otherPrescriber, url, REASON)).json() as Bundle;
    expect(matches(found)).toEqual([rxItem]);
    const events = (await breakGlassEvents()).slice(before.length);
    expect(events).toHaveLength(1);
    expect(events[0]!.payload).toMatchObject({
      interaction: 'search-type',
      resourceType: 'MedicationRequest',
      patients: [rxPatient],
      reason: REASON,
    });
    const searched = (await auditOf(rxPatient)).filter(
      (event) =>
        event.subtype?.[0]?.code === 'search-type' && event.purposeOfEvent?.[0]?.coding?.[0]?.code === 'BTG',
    );
    expect(searched).toHaveLength(1);
    // Even a break-the-glass search that finds nothing is on the record.
    const nothing = await get(otherPrescriber, '/fhir/R4/Observation?code=no-such-code', REASON);
    expect(nothing.statusCode).toBe(200);
    expect(await breakGlassEvents()).toHaveLength(before.length + 2);
  });

  it('refuses a reason that is empty, too long or not plain text, and one without an organisation', async () => {
    for (const reason of ['  ', 'x'.repeat(501), 'stop\u0007']) {
      const response = await get(otherPrescriber, `/fhir/R4/${rxPatient}`, reason);
      expect(response.statusCode).toBe(400);
      expect(response.json().issue[0].expression).toEqual(['X-Break-Glass-Reason']);
    }
    const noOrg = await t.bearer({ roles: ['prescriber'], fhirUser: 'Practitioner/locum' });
    expect((await get(noOrg, `/fhir/R4/${rxPatient}`, REASON)).statusCode).toBe(403);
    expect((await get(noOrg, '/fhir/R4/Patient', REASON)).statusCode).toBe(403);
  });

  async function auditOf(patient: string) {
    const rows = await t.pathways.db.query<{ content: string }>(
      'SELECT content FROM audit_event WHERE patient = $1 ORDER BY seq',
      [patient],
    );
    return rows.rows.map(
      (row) =>
        JSON.parse(row.content) as {
          outcome: string;
          subtype?: Array<{ code: string }>;
          purposeOfEvent?: Array<{ text?: string; coding?: Array<{ code: string }> }>;
        },
    );
  }

  async function breakGlassEvents() {
    const rows = await t.pathways.db.query<{ key: string; payload: Record<string, unknown> }>(
      "SELECT key, payload FROM outbox_event WHERE type = 'break-glass-access' ORDER BY seq",
    );
    return rows.rows.map((row) => ({
      key: row.key,
      payload: typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload,
    }));
  }
});
