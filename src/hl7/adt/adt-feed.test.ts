/**
 * ADT over a real MLLP socket on both databases: patients and stays from the feed, ACKs after the
 * commit, duplicates answered with the same ACK and no second effect, stale updates ignored.
 */
import type { Bundle, Encounter, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../../test/databases.js';
import {
  adt,
  controlId,
  HOSPITAL,
  NHS_NUMBER,
  OTHER_NHS_NUMBER,
  readAck,
} from '../../../test/support/hl7/fixtures.js';
import { type Hl7Test, startHl7Test } from '../../../test/support/hl7/harness.js';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';

describe.each(databaseKinds)('ADT feed on %s', (kind) => {
  let h: Hl7Test;

  beforeAll(async () => {
    h = await startHl7Test(kind);
  });
  afterAll(async () => h?.close());

  async function patientByNhs(nhs: string): Promise<Patient | undefined> {
    const { body } = await h.get<Bundle<Patient>>(`/fhir/R4/Patient?identifier=${NHS}|${nhs}`);
    return body.entry?.[0]?.resource;
  }

  async function encounterOf(patient: Patient): Promise<Encounter> {
    const { body } = await h.get<Bundle<Encounter>>(`/fhir/R4/Encounter?subject=Patient/${patient.id}`);
    expect(body.entry).toHaveLength(1);
    return body.entry![0]!.resource!;
  }

  it('A01 admits: the Patient (NHS number and MRN searchable) and an in-progress Encounter, then AA', async () => {
    const control = controlId();
    const ack = readAck(await h.send(adt({ trigger: 'A01', control })));
    expect(ack).toMatchObject({ code: 'AA', controlId: control });
    expect(ack.msh.slice(2, 6)).toEqual(['PATHWAYS', 'PW', 'EPR', HOSPITAL]);

    const patient = await patientByNhs(NHS_NUMBER);
    expect(patient).toMatchObject({
      name: [{ use: 'official', family: 'Smith', given: ['Ann'], prefix: ['Mrs'] }],
      gender: 'female',
      birthDate: '1980-01-02',
      address: [{ use: 'home', line: ['1 High Street'], city: 'Leeds', postalCode: 'LS1 4AB' }],
      generalPractitioner: [{ identifier: { value: 'B86001' } }],
      managingOrganization: { identifier: { value: HOSPITAL } },
    });
    expect(patient!.identifier).toEqual(
      expect.arrayContaining([
        { system: NHS, value: NHS_NUMBER },
        expect.objectContaining({ system: HOSPITAL, value: 'M100001' }),
      ]),
    );
    expect(patient!.telecom).toEqual([
      { system: 'phone', value: '07700 900123', use: 'mobile' },
      { system: 'email', value: 'ann.smith@example.org', use: 'home' },
    ]);
    const byValue = await h.get<Bundle<Patient>>('/fhir/R4/Patient?identifier=M100001');
    expect(byValue.body.entry?.map((e) => e.resource?.id)).toEqual([patient!.id]);

    const encounter = await encounterOf(patient!);
    expect(encounter).toMatchObject({
      status: 'in-progress',
      class: { code: 'IMP' },
      period: { start: '2026-01-05T09:30:00.000Z' },
      location: [{ location: { display: 'WARD7 / BAY2 / BED3 (RXX01)' }, status: 'active' }],
      serviceProvider: { identifier: { value: HOSPITAL } },
    });
  });

  it('answers a resend of the same MSH-3/4 + MSH-10 with the same ACK and no second effect', async () => {
    const control = controlId();
    const message = adt({ trigger: 'A08', control, at: '20260105100000', given: 'Annie' });
    const first = await h.send(message);
    const versionAfterFirst = (await patientByNhs(NHS_NUMBER))!.meta!.versionId;
    const again = await h.send(message);
    const other = await h.connect();
    const fromAnotherConnection = await other.send(message);
    await other.close();
    expect(readAck(first).code).toBe('AA');
    expect(again).toBe(first);
    expect(fromAnotherConnection[0]).toBe(first);
    expect((await patientByNhs(NHS_NUMBER))!.meta!.versionId).toBe(versionAfterFirst);
    const logged = await h.t.pathways.db.query<{ attempts: number; status: string }>(
      'SELECT attempts, status FROM hl7_message WHERE control_id = $1',
      [control],
    );
    expect(logged.rows).toEqual([{ attempts: 1, status: 'applied' }]);
  });

  it('does not let an older update overwrite newer data (EVN-2 before what is stored)', async () => {
    expect(readAck(await h.send(adt({ trigger: 'A08', at: '20260105120000', given: 'Newer' }))).code).toBe(
      'AA',
    );
    expect(readAck(await h.send(adt({ trigger: 'A08', at: '20260105110000', given: 'Older' }))).code).toBe(
      'AA',
    );
    expect((await patientByNhs(NHS_NUMBER))!.name?.[0]?.given).toEqual(['Newer']);
  });

  it('transfers and discharges the stay, and cancels the discharge', async () => {
    await h.send(adt({ trigger: 'A02', at: '20260105130000', location: 'WARD9^BAY1^BED1^RXX01' }));
    const patient = (await patientByNhs(NHS_NUMBER))!;
    let encounter = await encounterOf(patient);
    expect(encounter.location?.map((l) => [l.location.display, l.status])).toEqual([
      ['WARD7 / BAY2 / BED3 (RXX01)', 'completed'],
      ['WARD9 / BAY1 / BED1 (RXX01)', 'active'],
    ]);
    await h.send(adt({ trigger: 'A03', at: '20260105140000' }));
    encounter = await encounterOf(patient);
    expect(encounter.status).toBe('finished');
    expect(encounter.period?.end).toBe('2026-01-05T14:00:00.000Z');
    await h.send(adt({ trigger: 'A13', at: '20260105141000' }));
    encounter = await encounterOf(patient);
    expect(encounter.status).toBe('in-progress');
    expect(encounter.period?.end).toBeUndefined();
  });

  it('answers AE naming the field when the message cannot be applied, and keeps it as a dead letter', async () => {
    const control = controlId();
    const ack = readAck(await h.send(adt({ trigger: 'A01', control, nhsNumber: '9434765918' })));
    expect(ack).toMatchObject({ code: 'AE', controlId: control });
    expect(ack.err?.[2]).toBe('PID^1^3^1');
    const noVisit = readAck(await h.send(adt({ trigger: 'A02', visit: 'UNKNOWN-STAY' })));
    expect(noVisit.code).toBe('AE');
    expect(noVisit.err?.[2]).toBe('PV1^1^19^1');
    const noIds = readAck(await h.send(adt({ trigger: 'A28', pid: 'PID|1||||Nobody^Here' })));
    expect(noIds.code).toBe('AE');
    expect(noIds.err?.[2]).toBe('PID^1^3^1');
    const dead = await h.t.pathways.db.query<{ status: string; error_location: string; raw: string }>(
      'SELECT status, error_location, raw FROM hl7_message WHERE control_id = $1',
      [control],
    );
    expect(dead.rows[0]).toMatchObject({ status: 'failed', error_location: 'PID-3' });
    expect(dead.rows[0]!.raw).toContain('9434765918');
    expect(await patientByNhs('9434765918')).toBeUndefined();
  });

  it('registers a second patient (A04 outpatient, A28 add person) without touching the first', async () => {
    await h.send(
      adt({ trigger: 'A28', nhsNumber: OTHER_NHS_NUMBER, mrn: 'M200002', family: 'Evans', given: 'Gareth' }),
    );
    await h.send(
      adt({
        trigger: 'A04',
        nhsNumber: OTHER_NHS_NUMBER,
        mrn: 'M200002',
        family: 'Evans',
        given: 'Gareth',
        visit: 'V9002',
        patientClass: 'O',
      }),
    );
    const second = (await patientByNhs(OTHER_NHS_NUMBER))!;
    expect(second.name?.[0]?.family).toBe('Evans');
    expect((await encounterOf(second)).class.code).toBe('AMB');
    expect((await patientByNhs(NHS_NUMBER))!.name?.[0]?.family).toBe('Smith');
  });

  it('A40 merge (HAZ-MERGE): the retired record is inactive and replaced-by the survivor, its stay moves over', async () => {
    const temporary = { nhsNumber: '', mrn: 'M300003', family: 'Unknown', given: 'Temp' };
    await h.send(adt({ trigger: 'A01', ...temporary, visit: 'V-MERGE', at: '20260105150000' }));
    const retired = (await h.get<Bundle<Patient>>('/fhir/R4/Patient?identifier=M300003')).body.entry![0]!
      .resource!;
    const survivor = (await patientByNhs(OTHER_NHS_NUMBER))!;
    const control = controlId('MERGE');
    const merge = adt({
      trigger: 'A40',
      control,
      nhsNumber: OTHER_NHS_NUMBER,
      mrn: 'M200002',
      family: 'Evans',
      given: 'Gareth',
      at: '20260105160000',
      extra: ['MRG|M300003^^^RXX01^MR'],
    });
    const ack = await h.send(merge);
    expect(readAck(ack), ack).toMatchObject({ code: 'AA', controlId: control });
    const after = (await h.get<Patient>(`/fhir/R4/Patient/${retired.id}`)).body;
    expect(after.active).toBe(false);
    expect(after.link).toEqual([{ other: { reference: `Patient/${survivor.id}` }, type: 'replaced-by' }]);
    const survivorAfter = (await h.get<Patient>(`/fhir/R4/Patient/${survivor.id}`)).body;
    expect(survivorAfter.link).toEqual([{ other: { reference: `Patient/${retired.id}` }, type: 'replaces' }]);
    const underRetired = await h.get<Bundle<Encounter>>(`/fhir/R4/Encounter?subject=Patient/${retired.id}`);
    expect(underRetired.body.entry ?? []).toHaveLength(0);
    const moved = await h.get<Bundle<Encounter>>('/fhir/R4/Encounter?identifier=V-MERGE');
    expect(moved.body.entry?.[0]?.resource?.subject?.reference).toBe(`Patient/${survivor.id}`);
    const events = await h.t.pathways.db.query<{ payload: Record<string, unknown> }>(
      "SELECT payload FROM outbox_event WHERE type = 'patient-merged'",
    );
    expect(events.rows.map((row) => row.payload)).toEqual([
      { retired: `Patient/${retired.id}`, survivor: `Patient/${survivor.id}`, moved: 1, trigger: 'A40' },
    ]);
    expect(await h.send(merge)).toBe(ack);
    // A later message about the retired number updates the survivor.
    await h.send(
      adt({ trigger: 'A08', ...temporary, family: 'Evans', given: 'Gareth', at: '20260105170000' }),
    );
    expect((await h.get<Patient>(`/fhir/R4/Patient/${retired.id}`)).body.meta?.versionId).toBe(
      after.meta?.versionId,
    );
    const unknown = readAck(
      await h.send(adt({ trigger: 'A40', nhsNumber: OTHER_NHS_NUMBER, extra: ['MRG|NOBODY^^^RXX01^MR'] })),
    );
    expect(unknown.code).toBe('AE');
    expect(unknown.err?.[2]).toBe('MRG^1^1^1');
  });

  it('lets a clinician of the sending hospital read the patient and stay, and not one of another organisation', async () => {
    const patient = (await patientByNhs(NHS_NUMBER))!;
    const ours = await h.t.bearer({ roles: ['clinician'], fhirUser: 'Practitioner/c1', org: HOSPITAL });
    const theirs = await h.t.bearer({ roles: ['clinician'], fhirUser: 'Practitioner/c2', org: 'RYY99' });
    expect((await h.get(`/fhir/R4/Patient/${patient.id}`, ours)).status).toBe(200);
    const stays = await h.get<Bundle<Encounter>>(`/fhir/R4/Encounter?subject=Patient/${patient.id}`, ours);
    expect(stays.body.entry).toHaveLength(1);
    expect((await h.get(`/fhir/R4/Patient/${patient.id}`, theirs)).status).toBe(403);
    const none = await h.get<Bundle<Encounter>>(`/fhir/R4/Encounter?subject=Patient/${patient.id}`, theirs);
    expect(none.body.total ?? none.body.entry?.length ?? 0).toBe(0);
  });
});

describe.each(databaseKinds)('HL7 dead letters on %s', (kind) => {
  let h: Hl7Test;

  beforeAll(async () => {
    h = await startHl7Test(kind);
  });
  afterAll(async () => h?.close());

  it('lists a message that could not be applied for admins only, and re-drives it once its cause is fixed', async () => {
    const control = controlId('EARLY');
    // The transfer arrives before the admission it moves.
    expect(
      readAck(await h.send(adt({ trigger: 'A02', control, visit: 'V-LATE', at: '20260105150000' }))).code,
    ).toBe('AE');
    const clinician = await h.t.bearer({ roles: ['clinician'], fhirUser: 'Practitioner/c1', org: HOSPITAL });
    const refused = await h.t.pathways.app.inject({
      method: 'GET',
      url: '/admin/hl7/messages',
      headers: { authorization: clinician },
    });
    expect(refused.statusCode).toBe(403);
    const list = await h.t.pathways.app.inject({
      method: 'GET',
      url: '/admin/hl7/messages',
      headers: { authorization: h.admin },
    });
    const dead = list.json().messages.find((m: { controlId: string }) => m.controlId === control);
    expect(dead).toMatchObject({ messageType: 'ADT^A02', status: 'failed', errorLocation: 'PV1-19' });

    expect(readAck(await h.send(adt({ trigger: 'A01', visit: 'V-LATE', at: '20260105140000' }))).code).toBe(
      'AA',
    );
    const redrive = async () =>
      (
        await h.t.pathways.app.inject({
          method: 'POST',
          url: `/admin/hl7/messages/${dead.id}/redrive`,
          headers: { authorization: h.admin },
        })
      ).json();
    expect(await redrive()).toMatchObject({ outcome: 'applied', acks: [{ code: 'AA', controlId: control }] });
    expect(await redrive()).toMatchObject({ outcome: 'duplicate' });
    const after = await h.t.pathways.app.inject({
      method: 'GET',
      url: '/admin/hl7/messages',
      headers: { authorization: h.admin },
    });
    expect(after.json().messages.some((m: { controlId: string }) => m.controlId === control)).toBe(false);
    const { body } = await h.get<Bundle<Encounter>>('/fhir/R4/Encounter?identifier=V-LATE');
    expect(body.entry?.[0]?.resource?.location?.at(-1)?.location.display).toBe('WARD7 / BAY2 / BED3 (RXX01)');
  });
});
