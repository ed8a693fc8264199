/**
 * SIU over a real MLLP socket on both databases: the EPR's bookings become the patient's
 * Appointments as the portal reads them (their own search, the clinic's Location), keyed by the
 * EPR's appointment number so resends and later events update one record, and stale ones are
 * skipped.
 */

import { readFileSync } from 'node:fs';
import type { Appointment, Bundle, Location, Patient, Provenance, Slot } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../../test/databases.js';
import { adt, controlId, NHS_NUMBER, readAck, siu } from '../../../test/support/hl7/fixtures.js';
import { type Hl7Test, startHl7Test } from '../../../test/support/hl7/harness.js';
import { EPR_CONFIRMED_AT_EXTENSION } from '../../portal/appointments/hospital-requests.js';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const NEW_PATIENT = '9434765870';

describe.each(databaseKinds)('SIU feed on %s', (kind) => {
  let h: Hl7Test;
  let patient: Patient;
  let patientToken: string;

  beforeAll(async () => {
    h = await startHl7Test(kind);
  });
  afterAll(async () => h?.close());

  async function byFiller(filler: string): Promise<Appointment[]> {
    const { body } = await h.get<Bundle<Appointment>>(`/fhir/R4/Appointment?identifier=EPR|${filler}`);
    return (body.entry ?? []).map((entry) => entry.resource!);
  }

  async function accepted(message: string): Promise<void> {
    expect(readAck(await h.send(message)).code).toBe('AA');
  }

  /** The appointment-changed events of an appointment, in order: [change, by] each. */
  async function changesOf(appointment: Appointment): Promise<[string, string][]> {
    const events = await h.t.pathways.db.query<{ payload: { change: string; by: string } }>(
      `SELECT payload FROM outbox_event WHERE type = 'appointment-changed' AND key = $1 ORDER BY seq`,
      [`Appointment/${appointment.id}`],
    );
    return events.rows.map((row) => [row.payload.change, row.payload.by]);
  }

  it('S12 books: an unknown patient is created from PID and sees the appointment as the portal shows it', async () => {
    await accepted(siu({ trigger: 'S12', filler: 'A1', nhsNumber: NEW_PATIENT }));
    const patients = await h.get<Bundle<Patient>>(`/fhir/R4/Patient?identifier=${NHS}|${NEW_PATIENT}`);
    expect(patients.body.entry).toHaveLength(1);
    patient = patients.body.entry![0]!.resource!;
    patientToken = await h.t.bearer({
      roles: ['patient'],
      fhirUser: `Patient/${patient.id}`,
      subject: `patient-${patient.id}`,
    });
    const own = await h.get<Bundle<Appointment>>(
      `/fhir/R4/Appointment?patient=Patient/${patient.id}`,
      patientToken,
    );
    expect(own.status).toBe(200);
    expect(own.body.entry).toHaveLength(1);
    const appointment = own.body.entry![0]!.resource!;
    expect(appointment).toMatchObject({
      status: 'booked',
      start: '2026-02-20T10:30:00.000Z',
      end: '2026-02-20T10:50:00.000Z',
      description: 'Cardiology follow-up',
      identifier: expect.arrayContaining([expect.objectContaining({ system: 'EPR', value: 'A1' })]),
    });
    expect(appointment.extension).toContainEqual({
      url: EPR_CONFIRMED_AT_EXTENSION,
      valueDateTime: '2026-01-10T09:30:00.000Z',
    });
    const place = appointment.participant.find((p) => p.actor?.reference?.startsWith('Location/'))!;
    const location = await h.get<Location>(`/fhir/R4/${place.actor!.reference}`, patientToken);
    expect(location.status).toBe(200);
    expect(location.body).toMatchObject({
      name: 'Cardiology Outpatients, Leeds General Infirmary',
      telecom: [{ system: 'phone', value: '0113 243 2799' }],
    });
    const slot = await h.get<Slot>(`/fhir/R4/${appointment.slot![0]!.reference}`);
    expect(slot.body).toMatchObject({ status: 'busy', start: appointment.start, end: appointment.end });
  });

  it('answers a resend with the same ACK and no second appointment; a later event updates the same one', async () => {
    const control = controlId('SIU');
    const message = siu({ trigger: 'S12', filler: 'A2', control });
    const first = await h.send(message);
    expect(await h.send(message)).toBe(first);
    await accepted(siu({ trigger: 'S14', filler: 'A2', at: '20260111080000', phone: '0113 243 0000' }));
    const found = await byFiller('A2');
    expect(found).toHaveLength(1);
    expect(found[0]!.meta!.versionId).toBe('2');
  });

  it('S13 moves the appointment and its slot; a stale S14 (older than stored) changes nothing', async () => {
    await accepted(siu({ trigger: 'S12', filler: 'A3', at: '20260110090000' }));
    await accepted(
      siu({ trigger: 'S13', filler: 'A3', at: '20260112090000', start: '20260305140000', minutes: 30 }),
    );
    const [moved] = await byFiller('A3');
    expect(moved).toMatchObject({ start: '2026-03-05T14:00:00.000Z', end: '2026-03-05T14:30:00.000Z' });
    const slot = await h.get<Slot>(`/fhir/R4/${moved!.slot![0]!.reference}`);
    expect(slot.body.start).toBe('2026-03-05T14:00:00.000Z');
    await accepted(siu({ trigger: 'S14', filler: 'A3', at: '20260111090000', start: '20260220103000' }));
    const [after] = await byFiller('A3');
    expect(after!.meta!.versionId).toBe(moved!.meta!.versionId);
    expect(after!.start).toBe('2026-03-05T14:00:00.000Z');
  });

  it('S15 cancels (with SCH-6 as the reason, the slot freed), S26 marks a no-show, S17 removes', async () => {
    await accepted(siu({ trigger: 'S12', filler: 'A4' }));
    await accepted(
      siu({
        trigger: 'S15',
        filler: 'A4',
        at: '20260111100000',
        eventReason: 'CLINIC^Clinic cancelled^local',
      }),
    );
    const [cancelled] = await byFiller('A4');
    expect(cancelled).toMatchObject({ status: 'cancelled', cancelationReason: { text: 'Clinic cancelled' } });
    expect((await h.get<Slot>(`/fhir/R4/${cancelled!.slot![0]!.reference}`)).body.status).toBe('free');

    expect(await changesOf(cancelled!)).toEqual([
      ['booked', 'clinician'],
      ['cancelled', 'clinician'],
    ]);

    await accepted(siu({ trigger: 'S12', filler: 'A5' }));
    await accepted(siu({ trigger: 'S26', filler: 'A5', at: '20260221090000' }));
    expect((await byFiller('A5'))[0]!.status).toBe('noshow');

    await accepted(siu({ trigger: 'S12', filler: 'A6' }));
    await accepted(siu({ trigger: 'S17', filler: 'A6', at: '20260111110000' }));
    expect((await byFiller('A6'))[0]!.status).toBe('entered-in-error');
  });

  it('holds the Slot by the booking rules: taken while booked, given back by a no-show, taken again when re-booked', async () => {
    await accepted(siu({ trigger: 'S12', filler: 'A10', at: '20260110090000' }));
    const [booked] = await byFiller('A10');
    const slot = async () => (await h.get<Slot>(`/fhir/R4/${booked!.slot![0]!.reference}`)).body.status;
    expect(await slot()).toBe('busy');
    // A no-show holds no slot (portal/appointments/rules.ts), as for the clinic's own bookings.
    await accepted(siu({ trigger: 'S26', filler: 'A10', at: '20260221090000' }));
    expect(await slot()).toBe('free');
    await accepted(siu({ trigger: 'S14', filler: 'A10', at: '20260221100000' }));
    expect((await byFiller('A10'))[0]!.status).toBe('booked');
    expect(await slot()).toBe('busy');
    expect(await changesOf(booked!)).toEqual([
      ['booked', 'clinician'],
      ['booked', 'clinician'],
    ]);
  });

  it("names the Slot versions the booking rules wrote in the message's Provenance", async () => {
    /** The message's Provenance targets of these types, in the order written. */
    async function targets(control: string, types: string[]): Promise<string[]> {
      const { body } = await h.get<Bundle<Provenance>>('/fhir/R4/Provenance?_count=200');
      const provenance = (body.entry ?? [])
        .map((entry) => entry.resource!)
        .filter((p) => p.entity?.[0]?.what.identifier?.value === control);
      expect(provenance).toHaveLength(1);
      return provenance[0]!.target.map((t) => t.reference!).filter((r) => types.includes(r.split('/')[0]!));
    }
    const booking = controlId('SIU');
    await accepted(siu({ trigger: 'S12', filler: 'A11', control: booking }));
    const [booked] = await byFiller('A11');
    const slot = booked!.slot![0]!.reference!;
    const busy = (await h.get<Slot>(`/fhir/R4/${slot}`)).body;
    expect(busy.status).toBe('busy');
    // The feed creates the Slot free; the booking rules take it with the Appointment.
    expect(busy.meta!.versionId).toBe('2');
    expect(await targets(booking, ['Slot', 'Appointment'])).toEqual([
      `${slot}/_history/1`,
      `Appointment/${booked!.id}/_history/${booked!.meta!.versionId}`,
      `${slot}/_history/2`,
    ]);

    const cancelling = controlId('SIU');
    await accepted(siu({ trigger: 'S15', filler: 'A11', control: cancelling, at: '20260111100000' }));
    const [cancelled] = await byFiller('A11');
    const freed = (await h.get<Slot>(`/fhir/R4/${slot}`)).body;
    expect(freed).toMatchObject({ status: 'free', meta: { versionId: '3' } });
    // The feed leaves the unchanged Slot alone; the booking rules give it back.
    expect(await targets(cancelling, ['Slot', 'Appointment'])).toEqual([
      `Appointment/${cancelled!.id}/_history/${cancelled!.meta!.versionId}`,
      `${slot}/_history/3`,
    ]);
  });

  it('an S15 for an appointment never seen is kept, so a late S12 for it does not bring it back', async () => {
    await accepted(siu({ trigger: 'S15', filler: 'A7', at: '20260112100000' }));
    await accepted(siu({ trigger: 'S12', filler: 'A7', at: '20260110090000' }));
    const found = await byFiller('A7');
    expect(found.map((a) => a.status)).toEqual(['cancelled']);
  });

  it('answers AE naming SCH-2 when the message has no appointment id, and AE for a booking without times', async () => {
    const noId = readAck(await h.send(siu({ trigger: 'S12' }).replace(/SCH\|[^|]*\|[^|]*\|/, 'SCH|||')));
    expect(noId.code).toBe('AE');
    expect(noId.err?.[2]).toBe('SCH^1^2^1');
    const noTimes = readAck(await h.send(siu({ trigger: 'S12', filler: 'A8', noTimes: true })));
    expect(noTimes.code).toBe('AE');
    expect(await byFiller('A8')).toHaveLength(0);
  });

  it("does not show one patient's EPR appointments to another patient", async () => {
    const other = await h.t.bearer({
      roles: ['patient'],
      fhirUser: 'Patient/someone-else',
      subject: 'patient-x',
    });
    const snooping = await h.get<Bundle>(`/fhir/R4/Appointment?patient=Patient/${patient.id}`, other);
    expect(snooping.body.entry ?? []).toEqual([]);
    const [appointment] = await byFiller('A1');
    expect((await h.get(`/fhir/R4/Appointment/${appointment!.id}`, other)).status).toBe(403);
    expect((await h.get(`/fhir/R4/Appointment/${appointment!.id}`, patientToken)).status).toBe(200);
  });

  it('without EPR_MLLP_URL the patient may not change an EPR appointment online (409: call the clinic)', async () => {
    await accepted(siu({ trigger: 'S12', filler: 'A9', nhsNumber: NEW_PATIENT, start: '20270401090000' }));
    const [appointment] = await byFiller('A9');
    const reply = await h.t.pathways.app.inject({
      method: 'POST',
      url: `/fhir/R4/Appointment/${appointment!.id}/$cancel`,
      headers: { authorization: patientToken, 'content-type': 'application/fhir+json' },
      payload: { resourceType: 'Parameters', parameter: [] },
    });
    expect(reply.statusCode).toBe(409);
    expect(reply.json().issue[0].diagnostics).toMatch(/booked by the hospital: call the clinic/);
    expect((await byFiller('A9'))[0]!.meta!.versionId).toBe(appointment!.meta!.versionId);
  });

  it('accepts the demo file examples/hl7/siu-s12.hl7 (the README sends it with `pathways hl7 send`)', async () => {
    const text = readFileSync(new URL('../../../examples/hl7/siu-s12.hl7', import.meta.url), 'utf8');
    await accepted(text.trim().split('\n').join('\r'));
    const found = await h.get<Bundle<Appointment>>('/fhir/R4/Appointment?identifier=EPR|DEMO-APPT-1');
    expect(found.body.entry?.[0]?.resource).toMatchObject({
      status: 'booked',
      start: '2027-03-15T10:30:00.000Z',
      end: '2027-03-15T10:50:00.000Z',
    });
  });

  it('a merge moves the EPR appointment to the survivor through the booking rules: slot kept, no change to tell', async () => {
    const [before] = await byFiller('A1');
    expect(before!.participant[0]!.actor!.reference).toBe(`Patient/${patient.id}`);
    const merge = adt({
      trigger: 'A40',
      nhsNumber: NHS_NUMBER,
      at: '20260301090000',
      extra: [`MRG|${NEW_PATIENT}^^^NHS^NH`],
    });
    await accepted(merge);
    const [moved] = await byFiller('A1');
    const survivor = moved!.participant[0]!.actor!.reference!;
    expect(survivor).not.toBe(`Patient/${patient.id}`);
    expect(moved).toMatchObject({ status: 'booked', start: before!.start, slot: before!.slot });
    expect((await h.get<Slot>(`/fhir/R4/${moved!.slot![0]!.reference}`)).body.status).toBe('busy');
    expect((await changesOf(moved!)).map(([change]) => change)).toEqual(['booked']);
  });
});
