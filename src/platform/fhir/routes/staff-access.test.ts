/**
 * Staff reads through the generic FHIR API (issue 17 §6): a prescriber or clinician reads the
 * patients related to their organisation (a prescription written there, the GP practice, an
 * appointment, a result) and those patients' records; a dispenser the prescriptions released to
 * their pharmacy and their patients; registrars and the service desk no clinical data. Tested from
 * the wrong role, the wrong organisation and an unrelated patient, by id and by search (totals
 * included). (Breaking the glass: break-glass.test.ts.)
 */
import type { Bundle } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../../../test/databases.js';
import {
  code,
  included,
  matches,
  REASON,
  type StaffWorld,
  staffWorld,
} from '../../../../test/support/platform/staff-world.js';
import {
  claim,
  dispenseNotification,
  releaseParameters,
  returnTask,
} from '../../../dispensing/examples/messages.js';
import { shortFormIdOf } from '../../../prescribing/examples/order-bundle.js';

describe.each(databaseKinds)('staff reads on %s', (kind) => {
  let t: StaffWorld['t'];
  let admin: StaffWorld['admin'];
  let gp: StaffWorld['gp'];
  let api: StaffWorld['api'];
  let gpToken: StaffWorld['gpToken'];
  let otherPrescriber: StaffWorld['otherPrescriber'];
  let clinician: StaffWorld['clinician'];
  let pharmacy: StaffWorld['pharmacy'];
  let otherPharmacy: StaffWorld['otherPharmacy'];
  let rxPatient: StaffWorld['rxPatient'];
  let rxItem: StaffWorld['rxItem'];
  let registered: StaffWorld['registered'];
  let unrelated: StaffWorld['unrelated'];
  let outpatient: StaffWorld['outpatient'];
  let labPatient: StaffWorld['labPatient'];
  let booked: StaffWorld['booked'];
  let observed: StaffWorld['observed'];
  let outpatientObservation: StaffWorld['outpatientObservation'];
  let unrelatedObservation: StaffWorld['unrelatedObservation'];
  let rxObservation: StaffWorld['rxObservation'];
  let get: StaffWorld['get'];
  let prescribe: StaffWorld['prescribe'];

  beforeAll(async () => {
    ({
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
    } = await staffWorld(kind));
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
});
