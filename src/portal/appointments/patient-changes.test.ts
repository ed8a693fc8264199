/** Patients seeing, cancelling and rescheduling their own appointments, and nobody else's. */
import type { Bundle, Slot } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../../test/databases.js';
import { errorCode, type PortalTest, parameters, startPortalTest } from '../../../test/support/portal/app.js';
import {
  appointmentFor,
  book,
  changes,
  createSchedule,
  createSlot,
  hoursFromNow,
  slotStatus,
} from '../../../test/support/portal/appointments.js';
import { CLINICIAN_MANAGED_EXTENSION } from './rules.js';

describe.each(databaseKinds)('patients changing their appointments on %s', (kind) => {
  let p: PortalTest;
  let mine: Awaited<ReturnType<PortalTest['patient']>>;
  let theirs: Awaited<ReturnType<PortalTest['patient']>>;
  let schedule: string;
  let otherSchedule: string;
  const cancel = (token: string, id: string, reason?: object) =>
    p.call(token, 'POST', `/fhir/R4/Appointment/${id}/$cancel`, reason ? parameters(reason) : parameters());
  const reschedule = (token: string, id: string, slot: Slot) =>
    p.call(
      token,
      'POST',
      `/fhir/R4/Appointment/${id}/$reschedule`,
      parameters({ name: 'slot', valueReference: { reference: `Slot/${slot.id}` } }),
    );
  const ids = (bundle: Bundle) => (bundle.entry ?? []).map((entry) => entry.resource?.id);

  beforeAll(async () => {
    p = await startPortalTest(kind, { CLINICIAN_MANAGED_APPOINTMENT_TYPES: 'EMERGENCY' });
    mine = await p.patient('Mine');
    theirs = await p.patient('Theirs');
    schedule = await createSchedule(p);
    otherSchedule = await createSchedule(p);
  });
  afterAll(() => p.close());

  it('finds their own upcoming and past appointments through the generic search, and only theirs', async () => {
    const upcoming = await book(p, mine.reference, await createSlot(p, schedule, 50));
    const past = (
      await p.call(
        p.clinician,
        'POST',
        '/fhir/R4/Appointment',
        appointmentFor(mine.reference, undefined, {
          status: 'fulfilled',
          start: hoursFromNow(-48),
          end: hoursFromNow(-47.5),
        }),
      )
    ).json();
    const other = await book(p, theirs.reference, await createSlot(p, schedule, 51));
    const now = new Date().toISOString();
    const ahead = (
      await p.call(mine.token, 'GET', `/fhir/R4/Appointment?patient=${mine.reference}&date=ge${now}`)
    ).json();
    expect(ids(ahead)).toContain(upcoming.id);
    expect(ids(ahead)).not.toContain(past.id);
    const behind = (
      await p.call(mine.token, 'GET', `/fhir/R4/Appointment?patient=${mine.reference}&date=lt${now}`)
    ).json();
    expect(ids(behind)).toEqual([past.id]);
    expect((await p.call(mine.token, 'GET', `/fhir/R4/Appointment/${upcoming.id}`)).statusCode).toBe(200);

    const before = await p.wrongPatientEvents();
    const snooping = await p.call(mine.token, 'GET', `/fhir/R4/Appointment?patient=${theirs.reference}`);
    expect(ids(snooping.json())).toEqual([]);
    expect((await p.call(mine.token, 'GET', `/fhir/R4/Appointment/${other.id}`)).statusCode).toBe(403);
    expect(await p.wrongPatientEvents()).toBeGreaterThanOrEqual(before + 2);
    expect((await p.refusedAudits(theirs.reference)).map((x) => x.entity)).toContain(
      `Appointment/${other.id}`,
    );
  });

  it('cancels their own appointment with a reason: the slot is free again and the change is announced', async () => {
    const slot = await createSlot(p, schedule, 60);
    const appointment = await book(p, mine.reference, slot);
    const reply = await cancel(mine.token, appointment.id!, {
      name: 'reason',
      valueString: 'Feeling better',
    });
    expect(reply.statusCode).toBe(200);
    expect(reply.json()).toMatchObject({
      status: 'cancelled',
      cancelationReason: { text: 'Feeling better' },
    });
    expect(reply.headers.etag).toBe('W/"2"');
    expect(await slotStatus(p, slot)).toBe('free');
    expect((await changes(p, appointment.id!)).at(-1)).toEqual({
      patient: mine.reference,
      appointment: `Appointment/${appointment.id}`,
      change: 'cancelled',
      start: slot.start,
      by: 'patient',
    });
    const coded = await book(p, mine.reference, await createSlot(p, schedule, 61));
    const withCode = await cancel(mine.token, coded.id!, {
      name: 'reason',
      valueCodeableConcept: {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason', code: 'pat' },
        ],
      },
    });
    expect(withCode.json().cancelationReason.coding[0].code).toBe('pat');
    const again = await cancel(mine.token, appointment.id!);
    expect(again.statusCode).toBe(409);
    expect(errorCode(again)).toBe('INVALID_STATE_TRANSITION');
    expect(again.json().issue[0].expression).toEqual(['Appointment.status']);
  });

  it('refuses changes less than 24 hours ahead, for past or attended ones, and for clinic-managed types', async () => {
    const soon = await book(p, mine.reference, await createSlot(p, schedule, 20));
    const late = await cancel(mine.token, soon.id!);
    expect(late.statusCode).toBe(409);
    expect(late.json().issue[0].expression).toEqual(['Appointment.start']);
    expect((await reschedule(mine.token, soon.id!, await createSlot(p, schedule, 100))).statusCode).toBe(409);
    const marked = await book(p, mine.reference, await createSlot(p, schedule, 70), {
      extension: [{ url: CLINICIAN_MANAGED_EXTENSION, valueBoolean: true }],
    });
    const managed = await cancel(mine.token, marked.id!);
    expect(managed.statusCode).toBe(409);
    expect(managed.json().issue[0].expression).toEqual(['Appointment.appointmentType']);
    const typed = await book(p, mine.reference, await createSlot(p, schedule, 71), {
      appointmentType: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0276', code: 'EMERGENCY' }],
      },
    });
    expect((await cancel(mine.token, typed.id!)).statusCode).toBe(409);
    const attended = (
      await p.call(
        p.clinician,
        'POST',
        '/fhir/R4/Appointment',
        appointmentFor(mine.reference, undefined, {
          status: 'fulfilled',
          start: hoursFromNow(-5),
          end: hoursFromNow(-4.5),
        }),
      )
    ).json();
    expect((await cancel(mine.token, attended.id)).statusCode).toBe(409);
    expect((await changes(p, soon.id!)).map((c) => c.change)).toEqual(['booked']);
  });

  it("refuses another patient's appointment (403), changes nothing, audits and raises a safety event", async () => {
    const slot = await createSlot(p, schedule, 75);
    const free = await createSlot(p, schedule, 76);
    const appointment = await book(p, theirs.reference, slot);
    const before = await p.wrongPatientEvents();
    const cancelled = await cancel(mine.token, appointment.id!, { name: 'reason', valueString: 'x' });
    expect(cancelled.statusCode).toBe(403);
    expect(errorCode(cancelled)).toBe('FORBIDDEN');
    expect((await reschedule(mine.token, appointment.id!, free)).statusCode).toBe(403);
    const slots = await p.call(mine.token, 'GET', `/fhir/R4/Appointment/${appointment.id}/$available-slots`);
    expect(slots.statusCode).toBe(403);
    expect(slots.body).not.toContain(free.id);
    expect(await p.wrongPatientEvents()).toBe(before + 3);
    const refused = (await p.refusedAudits(theirs.reference)).filter(
      (x) => x.entity === `Appointment/${appointment.id}`,
    );
    expect(refused.length).toBeGreaterThanOrEqual(3);
    expect((await p.call(p.clinician, 'GET', `/fhir/R4/Appointment/${appointment.id}`)).json().status).toBe(
      'booked',
    );
    expect(await slotStatus(p, slot)).toBe('busy');
    expect(await slotStatus(p, free)).toBe('free');
    const asClinician = await cancel(p.clinician, appointment.id!);
    expect(asClinician.statusCode).toBe(403);
  });

  it('lists free slots of the same schedule and moves the appointment into one in one transaction', async () => {
    const current = await createSlot(p, schedule, 110);
    const target = await createSlot(p, schedule, 120);
    const busy = await createSlot(p, schedule, 121, 'busy');
    const elsewhere = await createSlot(p, otherSchedule, 122);
    const appointment = await book(p, mine.reference, current);
    const available = await p.call(
      mine.token,
      'GET',
      `/fhir/R4/Appointment/${appointment.id}/$available-slots?_count=200`,
    );
    expect(available.statusCode).toBe(200);
    const offered = ids(available.json());
    expect(offered).toContain(target.id);
    expect(offered).not.toContain(busy.id);
    expect(offered).not.toContain(current.id);
    expect(offered).not.toContain(elsewhere.id);
    expect(
      (await p.call(mine.token, 'GET', `/fhir/R4/Appointment/${appointment.id}/$available-slots?_count=0`))
        .statusCode,
    ).toBe(400);

    expect(errorCode(await reschedule(mine.token, appointment.id!, busy))).toBe('CONFLICT');
    expect((await reschedule(mine.token, appointment.id!, elsewhere)).statusCode).toBe(400);
    const moved = await reschedule(mine.token, appointment.id!, target);
    expect(moved.statusCode).toBe(200);
    expect(moved.json()).toMatchObject({
      slot: [{ reference: `Slot/${target.id}` }],
      start: target.start,
      end: target.end,
    });
    expect([await slotStatus(p, current), await slotStatus(p, target)]).toEqual(['free', 'busy']);
    expect((await changes(p, appointment.id!)).at(-1)).toMatchObject({
      change: 'rescheduled',
      start: target.start,
      by: 'patient',
    });
  });

  it('offers an outpatient appointment no weekend slot, and refuses a move to one', async () => {
    // Hours from now to 10:00 UTC on the next given weekday at least two days away.
    const next = (weekday: number) => {
      const day = new Date(Date.now() + 48 * 3_600_000);
      day.setUTCHours(10, 0, 0, 0);
      while (day.getUTCDay() !== weekday) day.setUTCDate(day.getUTCDate() + 1);
      return (day.getTime() - Date.now()) / 3_600_000;
    };
    const clinic = await createSchedule(p);
    const [current, saturday, sunday, tuesday] = [
      await createSlot(p, clinic, next(3)),
      await createSlot(p, clinic, next(6)),
      await createSlot(p, clinic, next(0)),
      await createSlot(p, clinic, next(2)),
    ];
    const followUp = await book(p, mine.reference, current, {
      appointmentType: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0276', code: 'FOLLOWUP' }],
      },
    });
    const offered = (id: string, token = mine.token) =>
      p.call(token, 'GET', `/fhir/R4/Appointment/${id}/$available-slots`).then((reply) => ids(reply.json()));
    const forFollowUp = await offered(followUp.id!);
    expect(forFollowUp).toContain(tuesday!.id);
    expect(forFollowUp).not.toContain(saturday!.id);
    expect(forFollowUp).not.toContain(sunday!.id);
    const refused = await reschedule(mine.token, followUp.id!, saturday!);
    expect([refused.statusCode, refused.json().issue[0].diagnostics]).toEqual([
      400,
      'Outpatient clinics do not run at weekends: choose a slot on a weekday',
    ]);
    expect(await slotStatus(p, saturday!)).toBe('free');
    // A walk-in clinic that opens at weekends: its slots are all offered.
    const other = await book(p, theirs.reference, await createSlot(p, clinic, next(4)));
    expect(await offered(other.id!, theirs.token)).toEqual(
      expect.arrayContaining([saturday!.id, sunday!.id, tuesday!.id]),
    );
  });

  it('lets only one of two patients take the same free slot at once', async () => {
    const target = await createSlot(p, schedule, 130);
    const a = await book(p, mine.reference, await createSlot(p, schedule, 131));
    const b = await book(p, theirs.reference, await createSlot(p, schedule, 132));
    const replies = await Promise.all([
      reschedule(mine.token, a.id!, target),
      reschedule(theirs.token, b.id!, target),
    ]);
    expect(replies.map((reply) => reply.statusCode).sort()).toEqual([200, 409]);
    const holders = (await p.call(p.clinician, 'GET', `/fhir/R4/Appointment?slot=Slot/${target.id}`)).json();
    expect(holders.entry).toHaveLength(1);
  });

  it('refuses bad parameters with a clear OperationOutcome', async () => {
    const appointment = await book(p, mine.reference, await createSlot(p, schedule, 140));
    const noSlot = await p.call(
      mine.token,
      'POST',
      `/fhir/R4/Appointment/${appointment.id}/$reschedule`,
      parameters(),
    );
    expect(noSlot.statusCode).toBe(400);
    expect(errorCode(noSlot)).toBe('MISSING_VALUE');
    const wrongType = await p.call(
      mine.token,
      'POST',
      `/fhir/R4/Appointment/${appointment.id}/$reschedule`,
      parameters({ name: 'slot', valueReference: { reference: 'Schedule/x' } }),
    );
    expect(wrongType.statusCode).toBe(400);
    const unknown = await cancel(mine.token, appointment.id!, { name: 'why', valueString: 'x' });
    expect(unknown.statusCode).toBe(400);
    expect((await cancel(mine.token, 'no-such-appointment')).statusCode).toBe(404);
    expect((await p.call(p.clinician, 'GET', `/fhir/R4/Appointment/${appointment.id}`)).json().status).toBe(
      'booked',
    );
  });
});
