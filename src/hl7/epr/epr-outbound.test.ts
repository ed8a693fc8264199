/**
 * The portal's changes back to the EPR on both databases, against the fake EPR over real sockets:
 * a patient's cancel/reschedule of an appointment the EPR booked is sent as SRM^S04/S03 through the
 * outbox and waits for the hospital (the portal shows it) until the EPR's SIU confirms it; a NAK is
 * shown as refused; the EPR being down delays delivery but not the portal; a lost ACK is resent and
 * applied once; a repeat request is sent as OMP^O09; portal-native appointments change as before.
 */
import type { Appointment, Bundle, MedicationRequest, Patient, Slot, Task } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../../test/databases.js';
import { readAck, siu } from '../../../test/support/hl7/fixtures.js';
import { errorCode, type PortalTest, parameters, startPortalTest } from '../../../test/support/portal/app.js';
import {
  confirmedAtOf,
  EPR_CONFIRMED_AT_EXTENSION,
  hospitalRequestOf,
} from '../../portal/appointments/hospital-requests.js';
import { ODS_SYSTEM, PRESCRIBER_ORG_EXTENSION } from '../../portal/repeat-requests/rules.js';
import { FakeEpr } from '../fake-epr/server.js';
import { MllpClient } from '../mllp/client.js';
import { HL7_SERVICE } from '../services.js';
import { EPR_DELIVERY_EXTENSION } from './epr-consumer.js';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const NHS_NUMBER = '9434765919';
/** Well ahead of the change cut-off. */
const START = '20270315103000';

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.each(databaseKinds)('changes back to the EPR on %s', (kind) => {
  let p: PortalTest;
  let epr: FakeEpr;
  let feed: MllpClient;
  let patient: string;
  let token: string;

  const send = async (message: string) => expect(readAck((await feed.send(message))[0]!).code).toBe('AA');
  const appointmentOf = async (filler: string, as = p.admin) => {
    const found = await p.call(as, 'GET', `/fhir/R4/Appointment?identifier=EPR|${filler}`);
    return (found.json() as Bundle<Appointment>).entry?.[0]?.resource as Appointment;
  };
  const book = async (filler: string) => {
    await send(siu({ trigger: 'S12', filler, start: START }));
    return appointmentOf(filler);
  };
  const cancel = (id: string, as = token) =>
    p.call(
      as,
      'POST',
      `/fhir/R4/Appointment/${id}/$cancel`,
      parameters({ name: 'reason', valueString: 'On holiday' }),
    );
  const receivedFor = (eventId: string) =>
    epr.received.filter((r) => r.controlId === eventId).map((r) => r.outcome);

  beforeAll(async () => {
    epr = new FakeEpr({ refusal: 'No clinic runs that day: please call 0113 243 2799' });
    await epr.start();
    p = await startPortalTest(kind, {
      EPR_MLLP_URL: epr.url,
      EPR_RETRY_BASE_MS: '100',
      EPR_RETRY_MAX_MS: '300',
      EPR_TIMEOUT_MS: '5000',
      EPR_BREAKER_FAILURES: '2',
      EPR_BREAKER_OPEN_MS: '300',
    });
    const { port } = await p.t.pathways.services.get(HL7_SERVICE).listen(0, '127.0.0.1');
    feed = await MllpClient.connect({ host: '127.0.0.1', port, timeoutMs: 20_000 });
    await send(siu({ trigger: 'S12', filler: 'E0', start: START, nhsNumber: NHS_NUMBER }));
    const found = await p.call(p.admin, 'GET', `/fhir/R4/Patient?identifier=${NHS}|${NHS_NUMBER}`);
    patient = `Patient/${((found.json() as Bundle<Patient>).entry![0]!.resource as Patient).id}`;
    token = await p.token({ roles: ['patient'], fhirUser: patient, subject: `patient-${patient}` });
  });
  afterAll(async () => {
    await feed?.close().catch(() => undefined);
    await p?.close();
    await epr?.close();
  });

  it('cancel: 202, SRM^S04 delivered (MSH-10 = event id), waiting until the SIU S15 confirms it', async () => {
    const booked = await book('E1');
    const reply = await cancel(booked.id!);
    expect(reply.statusCode).toBe(202);
    const asked = reply.json() as Appointment;
    expect(asked.status).toBe('booked');
    const request = hospitalRequestOf(asked)!;
    expect(request).toMatchObject({ change: 'cancel', state: 'sent' });
    const [event] = (await p.events('appointment-change-requested')).filter(
      (e) => e.key === `Appointment/${booked.id}`,
    );
    expect(event?.payload).toMatchObject({
      change: 'cancel',
      filler: { system: 'EPR', value: 'E1' },
      reason: 'On holiday',
    });

    const delivered = await until('delivery', async () => {
      const now = await appointmentOf('E1', token);
      return hospitalRequestOf(now)?.state === 'delivered' && now;
    });
    expect(delivered.status).toBe('booked');
    const sent = epr.received.find((r) => r.controlId === request.event)!;
    expect(sent.type).toBe('SRM^S04^SRM_S01');
    expect(sent.text).toContain(`ARQ|${booked.id}^PATHWAYS|E1^EPR`);
    expect(sent.text).toContain(`PID|1||${NHS_NUMBER}^^^NHS^NH`);

    const again = await cancel(booked.id!);
    expect(again.statusCode).toBe(409);
    expect(again.json().issue[0].diagnostics).toMatch(/waiting for the hospital to confirm/);

    await send(siu({ trigger: 'S15', filler: 'E1', start: START, at: '20261207120000' }));
    const confirmed = await appointmentOf('E1', token);
    expect(confirmed.status).toBe('cancelled');
    expect(hospitalRequestOf(confirmed)).toBeUndefined();
    expect(confirmedAtOf(confirmed)).toBe('2026-12-07T12:00:00.000Z');
    const changed = (await p.events('appointment-changed')).filter(
      (e) => e.key === `Appointment/${booked.id}`,
    );
    expect(changed.map((e) => [e.payload.change, e.payload.by])).toEqual([
      ['booked', 'clinician'],
      ['cancelled', 'patient'],
    ]);
  });

  it('reschedule refused by the EPR (AE): SRM^S03, then the portal shows it refused with the EPR’s reason', async () => {
    const booked = await book('E2');
    const current = (await p.call(p.admin, 'GET', `/fhir/R4/${booked.slot![0]!.reference}`)).json() as Slot;
    const free = (
      await p.call(p.admin, 'POST', '/fhir/R4/Slot', {
        resourceType: 'Slot',
        schedule: current.schedule,
        status: 'free',
        start: '2027-03-16T09:00:00.000Z',
        end: '2027-03-16T09:20:00.000Z',
      })
    ).json() as Slot;
    await epr.setMode('nak-ae', 1);
    const reply = await p.call(
      token,
      'POST',
      `/fhir/R4/Appointment/${booked.id}/$reschedule`,
      parameters({ name: 'slot', valueReference: { reference: `Slot/${free.id}` } }),
    );
    expect(reply.statusCode).toBe(202);
    const refused = await until('refusal', async () => {
      const now = await appointmentOf('E2', token);
      return hospitalRequestOf(now)?.state === 'refused' && now;
    });
    expect(hospitalRequestOf(refused)).toMatchObject({
      change: 'reschedule',
      slot: `Slot/${free.id}`,
      reason: 'No clinic runs that day: please call 0113 243 2799',
    });
    expect(refused.start).toBe(booked.start);
    const sent = epr.received.find((r) => r.controlId === hospitalRequestOf(refused)!.event)!;
    expect(sent).toMatchObject({ type: 'SRM^S03^SRM_S01', outcome: 'AE' });
    expect(sent.text).toContain('20270316090000+0000^20270316092000+0000');
    expect(((await p.call(p.admin, 'GET', `/fhir/R4/Slot/${free.id}`)).json() as Slot).status).toBe('free');
  });

  it('reschedule delivered, then confirmed by the EPR’s S13: moved, the request cleared, the slot asked for taken', async () => {
    const booked = await book('E6');
    const current = (await p.call(p.admin, 'GET', `/fhir/R4/${booked.slot![0]!.reference}`)).json() as Slot;
    const free = (
      await p.call(p.admin, 'POST', '/fhir/R4/Slot', {
        resourceType: 'Slot',
        schedule: current.schedule,
        status: 'free',
        start: '2027-03-17T14:00:00.000Z',
        end: '2027-03-17T14:20:00.000Z',
      })
    ).json() as Slot;
    const reply = await p.call(
      token,
      'POST',
      `/fhir/R4/Appointment/${booked.id}/$reschedule`,
      parameters({ name: 'slot', valueReference: { reference: `Slot/${free.id}` } }),
    );
    expect(reply.statusCode).toBe(202);
    await until('delivery', async () => hospitalRequestOf(await appointmentOf('E6'))?.state === 'delivered');
    await send(siu({ trigger: 'S13', filler: 'E6', start: '20270317140000', at: '20261207123000' }));
    const moved = await appointmentOf('E6', token);
    expect(moved).toMatchObject({
      status: 'booked',
      start: '2027-03-17T14:00:00.000Z',
      end: '2027-03-17T14:20:00.000Z',
    });
    expect(hospitalRequestOf(moved)).toBeUndefined();
    expect(((await p.call(p.admin, 'GET', `/fhir/R4/Slot/${free.id}`)).json() as Slot).status).toBe('busy');
  });

  it('while the EPR is down the request waits and the portal still reads from the store; it is delivered once the EPR is back', async () => {
    const booked = await book('E3');
    await epr.setMode('down');
    const reply = await cancel(booked.id!);
    expect(reply.statusCode).toBe(202);
    const eventId = hospitalRequestOf(reply.json() as Appointment)!.event;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const list = await p.call(token, 'GET', `/fhir/R4/Appointment?patient=${patient}`);
    expect(list.statusCode).toBe(200);
    const waiting = (list.json() as Bundle<Appointment>)
      .entry!.map((e) => e.resource!)
      .find((a) => a.id === booked.id)!;
    expect(hospitalRequestOf(waiting)?.state).toBe('sent');
    expect(waiting.extension?.find((e) => e.url === EPR_CONFIRMED_AT_EXTENSION)?.valueDateTime).toBe(
      '2026-01-10T09:30:00.000Z',
    );
    expect(receivedFor(eventId)).toEqual([]);
    const metrics = (await p.t.pathways.metricsApp.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/pathways_epr_breaker_open (1|0\.5)/);
    await epr.setMode('accept');
    await until(
      'delivery after the outage',
      async () => hospitalRequestOf(await appointmentOf('E3'))?.state === 'delivered',
    );
    expect(receivedFor(eventId)).toEqual(['AA']);
  });

  it('applies a request once when the EPR’s ACK is lost: the retry is the same MSH-10, answered again', async () => {
    const booked = await book('E4');
    await epr.setMode('drop', 1);
    const eventId = hospitalRequestOf((await cancel(booked.id!)).json() as Appointment)!.event;
    await until(
      'delivery after the lost ACK',
      async () => hospitalRequestOf(await appointmentOf('E4'))?.state === 'delivered',
    );
    expect(receivedFor(eventId)).toEqual(['dropped', 'duplicate']);
    expect(epr.applied().filter((id) => id === eventId)).toHaveLength(1);
  });

  it('sends a repeat request as OMP^O09 and records the EPR’s answer on the Task', async () => {
    const item = await p.store<MedicationRequest>({
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'original-order',
      subject: { reference: patient },
      medicationCodeableConcept: {
        coding: [
          {
            system: 'http://snomed.info/sct',
            code: '39732311000001104',
            display: 'Amoxicillin 250mg capsules',
          },
        ],
      },
      extension: [
        { url: PRESCRIBER_ORG_EXTENSION, valueIdentifier: { system: ODS_SYSTEM, value: 'A83008' } },
      ],
    });
    const reply = await p.call(
      token,
      'POST',
      '/fhir/R4/MedicationRequest/$request-repeat',
      parameters({
        name: 'medicationRequest',
        valueReference: { reference: `MedicationRequest/${item.id}` },
      }),
    );
    expect(reply.statusCode).toBe(201);
    const taskId = (reply.json() as Task).id!;
    const task = await until('OMP delivery', async () => {
      const now = (await p.call(p.admin, 'GET', `/fhir/R4/Task/${taskId}`)).json() as Task;
      return now.extension?.some((e) => e.url === EPR_DELIVERY_EXTENSION) && now;
    });
    const delivery = task.extension!.find((e) => e.url === EPR_DELIVERY_EXTENSION)!;
    expect(delivery.extension?.find((e) => e.url === 'state')?.valueCode).toBe('delivered');
    const eventId = delivery.extension?.find((e) => e.url === 'event')?.valueString;
    const sent = epr.received.find((r) => r.controlId === eventId)!;
    expect(sent.type).toBe('OMP^O09^OMP_O09');
    expect(sent.text).toContain(`ORC|NW|${taskId}^PATHWAYS`);
    expect(sent.text).toContain('RXO|39732311000001104^Amoxicillin 250mg capsules^SCT');
  });

  it('a portal-native appointment is cancelled at once as before, and nothing goes to the EPR', async () => {
    const created = await p.call(p.admin, 'POST', '/fhir/R4/Appointment', {
      resourceType: 'Appointment',
      status: 'booked',
      start: '2027-04-01T10:00:00.000Z',
      end: '2027-04-01T10:20:00.000Z',
      participant: [{ actor: { reference: patient }, status: 'accepted' }],
    });
    expect(created.statusCode).toBe(201);
    const id = (created.json() as Appointment).id!;
    const reply = await cancel(id);
    expect(reply.statusCode).toBe(200);
    expect((reply.json() as Appointment).status).toBe('cancelled');
    const requested = await p.events('appointment-change-requested');
    expect(requested.some((e) => e.key === `Appointment/${id}`)).toBe(false);
  });

  it("refuses another patient's EPR appointment (403) and sends nothing", async () => {
    const booked = await book('E5');
    const other = await p.patient('Other');
    const reply = await cancel(booked.id!, other.token);
    expect(reply.statusCode).toBe(403);
    expect(errorCode(reply)).toBeDefined();
    const requested = await p.events('appointment-change-requested');
    expect(requested.some((e) => e.key === `Appointment/${booked.id}`)).toBe(false);
  });
});
