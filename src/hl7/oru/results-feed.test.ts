/**
 * ORU^R01 and ORM/OML over a real MLLP socket on both databases. A result from the feed is held
 * back from the patient by the portal's release rule (HAZ-EARLY-RESULT) exactly like one posted
 * through the API; corrections replace values in place and announce a released report again.
 */
import type { Bundle, DiagnosticReport, Observation, Patient, ServiceRequest } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../../test/databases.js';
import { controlId, HOSPITAL, NHS_NUMBER, orm, oru, readAck } from '../../../test/support/hl7/fixtures.js';
import { type Hl7Test, startHl7Test } from '../../../test/support/hl7/harness.js';

describe.each(databaseKinds)('results and orders feed on %s', (kind) => {
  let h: Hl7Test;
  let patient: Patient;
  let patientToken: string;
  let clinician: string;

  beforeAll(async () => {
    h = await startHl7Test(kind, { RESULT_RELEASE_DELAY_S: '0' });
    clinician = await h.t.bearer({ roles: ['clinician'], fhirUser: 'Practitioner/c1', org: HOSPITAL });
  });
  afterAll(async () => h?.close());

  async function reportsFor(bearer: string) {
    return (
      await h.get<Bundle<DiagnosticReport>>(`/fhir/R4/DiagnosticReport?subject=Patient/${patient.id}`, bearer)
    ).body;
  }

  it('stores the report and its observations, and holds them back from the patient until released', async () => {
    const control = controlId('ORU');
    expect(readAck(await h.send(oru({ control }))).code).toBe('AA');
    const found = await h.get<Bundle<Patient>>(`/fhir/R4/Patient?identifier=${NHS_NUMBER}`);
    patient = found.body.entry![0]!.resource!;
    patientToken = await h.t.bearer({
      roles: ['patient'],
      fhirUser: `Patient/${patient.id}`,
      subject: `p-${patient.id}`,
    });

    const staffView = await reportsFor(clinician);
    expect(staffView.entry).toHaveLength(1);
    const report = staffView.entry![0]!.resource!;
    expect(report).toMatchObject({
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '58410-2' }] },
      performer: [{ identifier: { value: HOSPITAL } }],
      conclusion: 'Sample received in good condition',
    });
    const hb = (await h.get<Observation>(`/fhir/R4/${report.result![0]!.reference}`, clinician)).body;
    expect(hb).toMatchObject({
      status: 'final',
      valueQuantity: { value: 131, unit: 'g/L', system: 'http://unitsofmeasure.org', code: 'g/L' },
      referenceRange: [{ low: { value: 115 }, high: { value: 165 } }],
      interpretation: [{ coding: [{ code: 'N' }] }],
    });

    expect((await reportsFor(patientToken)).entry ?? []).toHaveLength(0);
    expect((await h.get(`/fhir/R4/${report.result![0]!.reference}`, patientToken)).status).toBe(404);

    const release = await h.t.pathways.app.inject({
      method: 'POST',
      url: `/fhir/R4/DiagnosticReport/${report.id}/$release`,
      headers: { authorization: clinician, 'content-type': 'application/fhir+json' },
      payload: { resourceType: 'Parameters' },
    });
    expect(release.statusCode).toBe(200);
    expect((await reportsFor(patientToken)).entry).toHaveLength(1);
    expect((await h.get(`/fhir/R4/${report.result![0]!.reference}`, patientToken)).status).toBe(200);
  });

  it('replaces the values of a corrected result in place and announces it to the patient again', async () => {
    const before = (await reportsFor(clinician)).entry![0]!.resource!;
    expect(readAck(await h.send(oru({ status: 'C', haemoglobin: '98', at: '20260106120000' }))).code).toBe(
      'AA',
    );
    const after = (await reportsFor(clinician)).entry![0]!.resource!;
    expect(after.id).toBe(before.id);
    expect(after.status).toBe('corrected');
    expect(after.result).toEqual(before.result);
    const hb = (await h.get<Observation>(`/fhir/R4/${after.result![0]!.reference}`, clinician)).body;
    expect(hb).toMatchObject({
      status: 'corrected',
      valueQuantity: { value: 98 },
      interpretation: [{ coding: [{ code: 'L' }] }],
    });
    const events = await h.t.pathways.db.query<{ payload: Record<string, unknown> }>(
      "SELECT payload FROM outbox_event WHERE type = 'result-released' ORDER BY seq",
    );
    expect(events.rows.map((row) => row.payload.corrected ?? false)).toEqual([false, true]);
  });

  it('does not hold back a new report less because it came from the feed: a preliminary one cannot be released', async () => {
    expect(readAck(await h.send(oru({ filler: 'LAB999', status: 'P' }))).code).toBe('AA');
    const preliminary = (await reportsFor(clinician))
      .entry!.map((e) => e.resource!)
      .find((r) => r.status === 'preliminary')!;
    const release = await h.t.pathways.app.inject({
      method: 'POST',
      url: `/fhir/R4/DiagnosticReport/${preliminary.id}/$release`,
      headers: { authorization: clinician, 'content-type': 'application/fhir+json' },
      payload: { resourceType: 'Parameters' },
    });
    expect(release.statusCode).toBe(409);
    expect((await reportsFor(patientToken)).entry).toHaveLength(1);
  });

  it('answers AE naming the field of a result it cannot read', async () => {
    const bad = oru({ haemoglobin: 'lots', at: '20260106130000' });
    const ack = readAck(await h.send(bad));
    expect(ack.code).toBe('AE');
    expect(ack.err?.[2]).toBe('OBX^1^5^1');
  });

  it('turns ORM^O01 and OML^O21 into ServiceRequests the hospital clinician reads, and a cancel revokes', async () => {
    expect(readAck(await h.send(orm({ placer: 'ORD1' }))).code).toBe('AA');
    expect(readAck(await h.send(orm({ placer: 'ORD2', type: 'OML' }))).code).toBe('AA');
    const search = (
      await h.get<Bundle<ServiceRequest>>(`/fhir/R4/ServiceRequest?subject=Patient/${patient.id}`, clinician)
    ).body;
    expect(search.entry?.map((e) => [e.resource!.identifier![0]!.value, e.resource!.status]).sort()).toEqual([
      ['ORD1', 'active'],
      ['ORD2', 'active'],
    ]);
    expect(search.entry![0]!.resource).toMatchObject({
      intent: 'order',
      requester: { display: 'Dr Priya Patel' },
    });
    expect(readAck(await h.send(orm({ placer: 'ORD1', orderControl: 'CA' }))).code).toBe('AA');
    const revoked = (
      await h.get<Bundle<ServiceRequest>>('/fhir/R4/ServiceRequest?identifier=ORD1', clinician)
    ).body;
    expect(revoked.entry?.[0]?.resource?.status).toBe('revoked');
    const other = await h.t.bearer({ roles: ['clinician'], fhirUser: 'Practitioner/c9', org: 'RYY99' });
    const hidden = (
      await h.get<Bundle<ServiceRequest>>(`/fhir/R4/ServiceRequest?subject=Patient/${patient.id}`, other)
    ).body;
    expect(hidden.entry ?? []).toHaveLength(0);
  });
});
