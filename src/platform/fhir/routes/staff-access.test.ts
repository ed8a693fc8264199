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
  let w: StaffWorld;

  beforeAll(async () => {
    w = await staffWorld(kind);
  });
  afterAll(() => w?.t.close());

  it("gives prescribers their organisation's patients and those patients' records, nobody else's", async () => {
    for (const url of [w.rxPatient, w.rxItem, w.registered, w.rxObservation]) {
      expect((await w.get(w.gpToken, `/fhir/R4/${url}`)).statusCode, url).toBe(200);
    }
    for (const url of [w.unrelated, w.unrelatedObservation, w.outpatient]) {
      const refused = await w.get(w.gpToken, `/fhir/R4/${url}`);
      expect(refused.statusCode, url).toBe(403);
      expect(code(refused)).toBe('FORBIDDEN');
    }
    // Another practice: no relationship to any of them.
    for (const url of [w.rxPatient, w.rxItem, w.registered, w.rxObservation]) {
      const refused = await w.get(w.otherPrescriber, `/fhir/R4/${url}`);
      expect(refused.statusCode, url).toBe(403);
      expect(refused.body).not.toContain('Registered');
    }
    // History and versions are held to the same rule.
    expect((await w.get(w.otherPrescriber, `/fhir/R4/${w.rxPatient}/_history`)).statusCode).toBe(403);
    expect((await w.get(w.otherPrescriber, `/fhir/R4/${w.rxPatient}/_history/1`)).statusCode).toBe(403);
    expect((await w.get(w.gpToken, `/fhir/R4/${w.rxPatient}/_history`)).statusCode).toBe(200);
  });

  it('searches only related records, with totals and paging that count nothing else', async () => {
    const mine = (await w.get(w.gpToken, '/fhir/R4/Patient?_total=accurate&_count=1')).json() as Bundle;
    expect(mine.total).toBe(2);
    expect(mine.link?.some((link) => link.relation === 'next')).toBe(true);
    const all = (await w.get(w.gpToken, '/fhir/R4/Patient?_count=50')).json() as Bundle;
    expect(matches(all).sort()).toEqual([w.rxPatient, w.registered].sort());
    const counted = (await w.get(w.gpToken, '/fhir/R4/Patient?_summary=count')).json() as Bundle;
    expect(counted.total).toBe(2);

    const elsewhere = (await w.get(w.otherPrescriber, '/fhir/R4/Patient?_total=accurate')).json() as Bundle;
    expect(elsewhere.total).toBe(0);
    expect(elsewhere.entry ?? []).toHaveLength(0);
    const theirs = (
      await w.get(w.otherPrescriber, `/fhir/R4/MedicationRequest?subject=${w.rxPatient}&_total=accurate`)
    ).json() as Bundle;
    expect(theirs.total).toBe(0);
    const named = (
      await w.get(w.otherPrescriber, '/fhir/R4/Patient?family=Registered&_count=0')
    ).json() as Bundle;
    expect(named.total).toBe(0);
    const observations = (await w.get(w.gpToken, '/fhir/R4/Observation')).json() as Bundle;
    expect(matches(observations)).toEqual([w.rxObservation]);
  });

  it('relates hospital clinicians through appointments and results at their organisation', async () => {
    for (const url of [w.outpatient, w.outpatientObservation, w.labPatient, w.booked, w.observed]) {
      expect((await w.get(w.clinician, `/fhir/R4/${url}`)).statusCode, url).toBe(200);
    }
    for (const url of [w.unrelated, w.unrelatedObservation, w.rxPatient]) {
      expect((await w.get(w.clinician, `/fhir/R4/${url}`)).statusCode, url).toBe(403);
    }
    const observations = (
      await w.get(w.clinician, `/fhir/R4/Observation?_total=accurate&subject=${w.outpatient},${w.unrelated}`)
    ).json() as Bundle;
    expect(matches(observations)).toEqual([w.outpatientObservation]);
    expect(observations.total).toBe(1);
  });

  it('gives a pharmacy the prescriptions released to it and their patients, while it holds them', async () => {
    expect((await w.get(w.pharmacy, `/fhir/R4/${w.rxPatient}`)).statusCode).toBe(200);
    expect((await w.get(w.pharmacy, `/fhir/R4/${w.rxItem}`)).statusCode).toBe(200);
    for (const url of [w.rxPatient, w.rxItem]) {
      expect((await w.get(w.otherPharmacy, `/fhir/R4/${url}`)).statusCode, url).toBe(403);
    }
    expect((await w.get(w.pharmacy, `/fhir/R4/${w.unrelated}`)).statusCode).toBe(403);
    // A pharmacy reads no results or observations, related or not.
    expect((await w.get(w.pharmacy, `/fhir/R4/${w.rxObservation}`)).statusCode).toBe(403);
    expect((await w.get(w.pharmacy, '/fhir/R4/Observation')).statusCode).toBe(403);
    const requests = (await w.get(w.pharmacy, '/fhir/R4/MedicationRequest?_total=accurate')).json() as Bundle;
    expect(matches(requests)).toEqual([w.rxItem]);
    expect(requests.total).toBe(1);
    expect(
      ((await w.get(w.otherPharmacy, '/fhir/R4/MedicationRequest')).json() as Bundle).entry ?? [],
    ).toHaveLength(0);
    // Included records are held to the same rule: the patient yes, their observations no.
    const withPatient = (
      await w.get(w.pharmacy, '/fhir/R4/MedicationRequest?_include=MedicationRequest:subject')
    ).json() as Bundle;
    expect(included(withPatient)).toEqual([w.rxPatient]);
    const withObservations = (
      await w.get(
        w.pharmacy,
        `/fhir/R4/Patient?_id=${w.rxPatient.split('/')[1]}&_revinclude=Observation:subject`,
      )
    ).json() as Bundle;
    expect(matches(withObservations)).toEqual([w.rxPatient]);
    expect(included(withObservations)).toEqual([]);

    // A prescription dispensed and claimed: the claim is the pharmacy's alone.
    const second = await w.prescribe('FCG71');
    const id = shortFormIdOf(second.order);
    expect((await w.api.release(releaseParameters('FCG71', id), w.pharmacy)).statusCode).toBe(200);
    const note = dispenseNotification(id, 'FCG71', [{ itemId: second.item, type: '0001', quantity: 20 }]);
    expect((await w.api.message(note, w.pharmacy)).statusCode).toBe(200);
    expect((await w.api.claim(claim(id), w.pharmacy)).statusCode).toBe(200);
    const claims = (await w.get(w.admin, `/fhir/R4/Claim?patient=${second.patient}`)).json() as Bundle;
    const claimUrl = matches(claims)[0]!;
    expect((await w.get(w.pharmacy, `/fhir/R4/${claimUrl}`)).statusCode).toBe(200);
    expect((await w.get(w.otherPharmacy, `/fhir/R4/${claimUrl}`)).statusCode).toBe(403);

    // Returned to the spine, the first prescription is no longer the pharmacy's to read.
    const third = await w.prescribe('FCG71');
    expect(
      (await w.api.release(releaseParameters('FCG71', shortFormIdOf(third.order)), w.pharmacy)).statusCode,
    ).toBe(200);
    expect((await w.get(w.pharmacy, `/fhir/R4/MedicationRequest/${third.item}`)).statusCode).toBe(200);
    expect((await w.api.task(returnTask(shortFormIdOf(third.order), 'FCG71'), w.pharmacy)).statusCode).toBe(
      200,
    );
    expect((await w.get(w.pharmacy, `/fhir/R4/MedicationRequest/${third.item}`)).statusCode).toBe(403);
  });

  it('keeps registrars to the register and the service desk to demographics', async () => {
    const registrar = await w.t.bearer({ roles: ['registrar'], fhirUser: 'Practitioner/registrar' });
    const desk = await w.t.bearer({ roles: ['service-desk'] });
    expect((await w.get(registrar, '/fhir/R4/Organization')).statusCode).toBe(200);
    expect((await w.get(registrar, `/fhir/R4/Practitioner/${w.gp.practitionerId}`)).statusCode).toBe(200);
    for (const url of [
      w.rxPatient,
      w.rxItem,
      w.rxObservation,
      'Patient',
      'MedicationRequest',
      'DiagnosticReport',
    ]) {
      expect((await w.get(registrar, `/fhir/R4/${url}`)).statusCode, url).toBe(403);
    }
    // Identity checks: the service desk reads any patient's demographics…
    expect((await w.get(desk, `/fhir/R4/${w.unrelated}`)).statusCode).toBe(200);
    expect(matches((await w.get(desk, '/fhir/R4/Patient?family=Unrelated')).json())).toEqual([w.unrelated]);
    // …and no clinical record, not even through an include.
    for (const url of [w.rxItem, w.rxObservation, 'MedicationRequest', 'Observation', 'DiagnosticReport']) {
      expect((await w.get(desk, `/fhir/R4/${url}`)).statusCode, url).toBe(403);
    }
    const withRequests = (
      await w.get(
        desk,
        `/fhir/R4/Patient?_id=${w.rxPatient.split('/')[1]}&_revinclude=MedicationRequest:subject`,
      )
    ).json() as Bundle;
    expect(matches(withRequests)).toEqual([w.rxPatient]);
    expect(included(withRequests)).toEqual([]);
    // The glass never opens a role: a stated reason changes nothing for them.
    expect((await w.get(registrar, `/fhir/R4/${w.rxPatient}`, REASON)).statusCode).toBe(403);
    expect((await w.get(desk, `/fhir/R4/${w.rxItem}`, REASON)).statusCode).toBe(403);
  });

  it('refuses related records in transactions (read them through the routes that apply the rule)', async () => {
    const response = await w.t.pathways.app.inject({
      method: 'POST',
      url: '/fhir/R4',
      headers: { authorization: w.gpToken, 'content-type': 'application/fhir+json' },
      payload: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ request: { method: 'GET', url: w.unrelated } }],
      },
    });
    expect(response.statusCode).toBe(403);
  });
});
