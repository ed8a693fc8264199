/**
 * HAZ-EARLY-RESULT through the API: a patient's result is absent for them until a clinician
 * released it and the safety delay has passed, on every route that returns resources.
 */
import type { Bundle, DiagnosticReport, Observation } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../../test/databases.js';
import { errorCode, type PortalTest, startPortalTest } from '../../../test/support/portal/app.js';

const LAB = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }],
};

describe.each(databaseKinds)('results released to patients on %s', (kind) => {
  let p: PortalTest;
  let mine: Awaited<ReturnType<PortalTest['patient']>>;
  let theirs: Awaited<ReturnType<PortalTest['patient']>>;

  async function report(subject: string, status: DiagnosticReport['status'] = 'final') {
    const observation = (
      await p.call(p.clinician, 'POST', '/fhir/R4/Observation', {
        resourceType: 'Observation',
        status: 'final',
        category: [LAB],
        code: { text: 'Haemoglobin' },
        subject: { reference: subject },
        valueQuantity: { value: 131, unit: 'g/L' },
      } satisfies Observation)
    ).json() as Observation;
    const created = (
      await p.call(p.clinician, 'POST', '/fhir/R4/DiagnosticReport', {
        resourceType: 'DiagnosticReport',
        status,
        code: { text: 'Full blood count' },
        subject: { reference: subject },
        result: [{ reference: `Observation/${observation.id}` }],
      } satisfies DiagnosticReport)
    ).json() as DiagnosticReport;
    return { report: created, observation };
  }
  const release = (id: string, token = p.clinician) =>
    p.call(token, 'POST', `/fhir/R4/DiagnosticReport/${id}/$release`);
  /** Time passing: the release's safety delay is over. */
  const delayPassed = (id: string) =>
    p.t.pathways.db.query(
      "UPDATE portal_result_release SET visible_from = now() - interval '1 minute' WHERE report_id = $1",
      [id],
    );
  const ids = (bundle: Bundle) =>
    (bundle.entry ?? []).map((entry) => `${entry.resource?.resourceType}/${entry.resource?.id}`);

  beforeAll(async () => {
    p = await startPortalTest(kind);
    mine = await p.patient('Mine');
    theirs = await p.patient('Theirs');
  });
  afterAll(() => p.close());

  it('hides an unreleased report and its observations from the patient on every route', async () => {
    const { report: r, observation: o } = await report(mine.reference);
    const before = await p.wrongPatientEvents();
    const read = await p.call(mine.token, 'GET', `/fhir/R4/DiagnosticReport/${r.id}`);
    expect(read.statusCode).toBe(404);
    expect(errorCode(read)).toBe('NOT_FOUND');
    expect(read.body).not.toContain('Full blood count');
    expect((await p.call(mine.token, 'GET', `/fhir/R4/DiagnosticReport/${r.id}/_history/1`)).statusCode).toBe(
      404,
    );
    expect((await p.call(mine.token, 'GET', `/fhir/R4/DiagnosticReport/${r.id}/_history`)).statusCode).toBe(
      404,
    );
    expect((await p.call(mine.token, 'GET', `/fhir/R4/Observation/${o.id}`)).statusCode).toBe(404);
    expect((await p.call(mine.token, 'GET', `/fhir/R4/Observation/${o.id}/_history`)).statusCode).toBe(404);
    const search = (
      await p.call(mine.token, 'GET', `/fhir/R4/DiagnosticReport?subject=${mine.reference}`)
    ).json();
    expect(ids(search)).toEqual([]);
    expect(search.total).toBe(0);
    const observations = (
      await p.call(mine.token, 'GET', `/fhir/R4/Observation?subject=${mine.reference}`)
    ).json();
    expect(ids(observations)).not.toContain(`Observation/${o.id}`);
    const revinclude = await p.call(
      mine.token,
      'GET',
      `/fhir/R4/Patient?_id=${mine.id}&_revinclude=DiagnosticReport:subject&_revinclude=Observation:subject`,
    );
    expect(ids(revinclude.json())).toEqual([mine.reference]);
    // Only the patient is kept out: the clinician sees it all.
    expect((await p.call(p.clinician, 'GET', `/fhir/R4/DiagnosticReport/${r.id}`)).statusCode).toBe(200);
    // Absent, not forbidden: the patient's own record, so no wrong-patient event, but audited.
    expect(await p.wrongPatientEvents()).toBe(before);
    const refused = await p.refusedAudits(mine.reference);
    expect(refused).toContainEqual({
      detail: 'not visible to the patient yet; answered as not found',
      entity: `DiagnosticReport/${r.id}`,
    });
  });

  it('keeps a released report hidden until the delay has passed, then shows it and its observations', async () => {
    const { report: r, observation: o } = await report(mine.reference);
    const released = await release(r.id!);
    expect(released.statusCode).toBe(200);
    const values = Object.fromEntries(
      (
        released.json().parameter as Array<{ name: string; valueDateTime?: string; valueString?: string }>
      ).map((item) => [item.name, item.valueDateTime ?? item.valueString]),
    );
    expect(values.releasedBy).toBe('Practitioner/clinician-1');
    expect(Date.parse(values.visibleFrom!) - Date.parse(values.releasedAt!)).toBe(86_400_000);
    const event = (await p.events('result-released')).find((e) => e.key === `DiagnosticReport/${r.id}`);
    expect(event?.payload).toEqual({
      patient: mine.reference,
      report: `DiagnosticReport/${r.id}`,
      visibleFrom: values.visibleFrom,
    });

    expect((await p.call(mine.token, 'GET', `/fhir/R4/DiagnosticReport/${r.id}`)).statusCode).toBe(404);
    expect((await p.call(mine.token, 'GET', `/fhir/R4/Observation/${o.id}`)).statusCode).toBe(404);
    const early = (
      await p.call(mine.token, 'GET', `/fhir/R4/DiagnosticReport?subject=${mine.reference}`)
    ).json();
    expect(ids(early)).not.toContain(`DiagnosticReport/${r.id}`);

    await delayPassed(r.id!);
    expect((await p.call(mine.token, 'GET', `/fhir/R4/DiagnosticReport/${r.id}`)).statusCode).toBe(200);
    expect((await p.call(mine.token, 'GET', `/fhir/R4/DiagnosticReport/${r.id}/_history/1`)).statusCode).toBe(
      200,
    );
    const history = (await p.call(mine.token, 'GET', `/fhir/R4/DiagnosticReport/${r.id}/_history`)).json();
    expect(history.entry).toHaveLength(1);
    expect((await p.call(mine.token, 'GET', `/fhir/R4/Observation/${o.id}`)).statusCode).toBe(200);
    const withResults = (
      await p.call(
        mine.token,
        'GET',
        `/fhir/R4/DiagnosticReport?subject=${mine.reference}&_include=DiagnosticReport:result`,
      )
    ).json();
    expect(ids(withResults)).toContain(`DiagnosticReport/${r.id}`);
    expect(ids(withResults)).toContain(`Observation/${o.id}`);
    expect(withResults.total).toBe(1);
    const observations = (
      await p.call(mine.token, 'GET', `/fhir/R4/Observation?subject=${mine.reference}`)
    ).json();
    expect(ids(observations)).toContain(`Observation/${o.id}`);
  });

  it('records the first view as seen, once', async () => {
    const { report: r } = await report(mine.reference);
    await release(r.id!);
    await delayPassed(r.id!);
    expect((await p.events('result-seen')).filter((e) => e.key === `DiagnosticReport/${r.id}`)).toEqual([]);
    await p.call(mine.token, 'GET', `/fhir/R4/DiagnosticReport/${r.id}`);
    await p.call(mine.token, 'GET', `/fhir/R4/DiagnosticReport/${r.id}`);
    await p.call(mine.token, 'GET', `/fhir/R4/DiagnosticReport?subject=${mine.reference}`);
    const seen = (await p.events('result-seen')).filter((e) => e.key === `DiagnosticReport/${r.id}`);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.payload).toMatchObject({ patient: mine.reference, report: `DiagnosticReport/${r.id}` });
    const again = await release(r.id!);
    const seenAt = (again.json().parameter as Array<{ name: string; valueDateTime?: string }>).find(
      (x) => x.name === 'seenAt',
    );
    expect(seenAt?.valueDateTime).toBe(seen[0]?.payload.seenAt);
    // A clinician looking at it is not the patient seeing it.
    const other = await report(mine.reference);
    await release(other.report.id!);
    await delayPassed(other.report.id!);
    await p.call(p.clinician, 'GET', `/fhir/R4/DiagnosticReport/${other.report.id}`);
    expect(
      (await p.events('result-seen')).filter((e) => e.key === `DiagnosticReport/${other.report.id}`),
    ).toEqual([]);
  });

  it('releases once, only complete reports, only by clinicians and prescribers', async () => {
    const { report: r } = await report(mine.reference);
    const first = (await release(r.id!)).json();
    const second = await release(r.id!);
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual(first);
    expect(
      (await p.events('result-released')).filter((e) => e.key === `DiagnosticReport/${r.id}`),
    ).toHaveLength(1);

    const prescriber = await p.token({ roles: ['prescriber'], fhirUser: 'Practitioner/gp-1', org: 'A83008' });
    const byPrescriber = await report(mine.reference);
    expect((await release(byPrescriber.report.id!, prescriber)).statusCode).toBe(200);

    const preliminary = await report(mine.reference, 'preliminary');
    const refused = await release(preliminary.report.id!);
    expect(refused.statusCode).toBe(409);
    expect(errorCode(refused)).toBe('INVALID_STATE_TRANSITION');
    expect(
      (await p.events('result-released')).some((e) => e.key === `DiagnosticReport/${preliminary.report.id}`),
    ).toBe(false);

    const dispenser = await p.token({ roles: ['dispenser'], org: 'FCG71' });
    expect((await release(r.id!, dispenser)).statusCode).toBe(403);
    expect((await release(r.id!, mine.token)).statusCode).toBe(403);
    expect((await release('no-such-report')).statusCode).toBe(404);
    const withBody = await p.call(p.clinician, 'POST', `/fhir/R4/DiagnosticReport/${r.id}/$release`, {
      resourceType: 'Parameters',
      parameter: [{ name: 'delay', valueString: '0' }],
    });
    expect(withBody.statusCode).toBe(400);
  });

  it("never shows another patient's released result, and reports the attempt as a safety event", async () => {
    const { report: r, observation: o } = await report(theirs.reference);
    await release(r.id!);
    await delayPassed(r.id!);
    expect((await p.call(theirs.token, 'GET', `/fhir/R4/DiagnosticReport/${r.id}`)).statusCode).toBe(200);
    const before = await p.wrongPatientEvents();
    const read = await p.call(mine.token, 'GET', `/fhir/R4/DiagnosticReport/${r.id}`);
    expect(read.statusCode).toBe(403);
    expect(read.body).not.toContain('Full blood count');
    expect((await p.call(mine.token, 'GET', `/fhir/R4/Observation/${o.id}`)).statusCode).toBe(403);
    const search = (
      await p.call(mine.token, 'GET', `/fhir/R4/DiagnosticReport?subject=${theirs.reference}`)
    ).json();
    expect(ids(search)).toEqual([]);
    expect(await p.wrongPatientEvents()).toBeGreaterThanOrEqual(before + 3);
    const refused = await p.refusedAudits(theirs.reference);
    expect(refused.map((x) => x.entity)).toContain(`DiagnosticReport/${r.id}`);
  });

  it("shows the patient's own observations that no report refers to, but not an unlinked laboratory result", async () => {
    const vital = (
      await p.call(p.clinician, 'POST', '/fhir/R4/Observation', {
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'Blood pressure' },
        subject: { reference: mine.reference },
      })
    ).json();
    const unlinkedLab = (
      await p.call(p.clinician, 'POST', '/fhir/R4/Observation', {
        resourceType: 'Observation',
        status: 'final',
        category: [LAB],
        code: { text: 'Potassium' },
        subject: { reference: mine.reference },
      })
    ).json();
    expect((await p.call(mine.token, 'GET', `/fhir/R4/Observation/${vital.id}`)).statusCode).toBe(200);
    expect((await p.call(mine.token, 'GET', `/fhir/R4/Observation/${unlinkedLab.id}`)).statusCode).toBe(404);
  });
});
