/** Clinicians booking and changing appointments: slots taken and freed, events, no double booking. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../../test/databases.js';
import { errorCode, type PortalTest, startPortalTest } from '../../../test/support/portal/app.js';
import {
  appointmentFor,
  book,
  changes,
  createSchedule,
  createSlot,
  slotStatus,
} from '../../../test/support/portal/appointments.js';

describe.each(databaseKinds)('clinicians booking appointments on %s', (kind) => {
  let p: PortalTest;
  let mine: Awaited<ReturnType<PortalTest['patient']>>;
  let theirs: Awaited<ReturnType<PortalTest['patient']>>;
  let schedule: string;
  const appointmentCount = async () =>
    (
      await p.t.pathways.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM fhir_resource WHERE resource_type = 'Appointment'",
      )
    ).rows[0]?.n;

  beforeAll(async () => {
    p = await startPortalTest(kind);
    mine = await p.patient('Mine');
    theirs = await p.patient('Theirs');
    schedule = await createSchedule(p);
  });
  afterAll(() => p.close());

  it('books a slot: the appointment takes its times, the slot is busy, the patient hears of it', async () => {
    const slot = await createSlot(p, schedule, 72);
    const created = await p.call(
      p.clinician,
      'POST',
      '/fhir/R4/Appointment',
      appointmentFor(mine.reference, slot),
    );
    expect(created.statusCode).toBe(201);
    expect(created.headers.etag).toBe('W/"1"');
    const appointment = created.json();
    expect([appointment.start, appointment.end]).toEqual([slot.start, slot.end]);
    expect(await slotStatus(p, slot)).toBe('busy');
    expect(await changes(p, appointment.id)).toEqual([
      {
        patient: mine.reference,
        appointment: `Appointment/${appointment.id}`,
        change: 'booked',
        start: slot.start,
        by: 'clinician',
      },
    ]);
  });

  it('refuses to double-book a slot (409) and stores nothing', async () => {
    const slot = await createSlot(p, schedule, 80);
    await book(p, mine.reference, slot);
    const before = await appointmentCount();
    const second = await p.call(
      p.clinician,
      'POST',
      '/fhir/R4/Appointment',
      appointmentFor(theirs.reference, slot),
    );
    expect(second.statusCode).toBe(409);
    expect(errorCode(second)).toBe('CONFLICT');
    expect(await appointmentCount()).toBe(before);
  });

  it('lets only one of two simultaneous bookings of a slot through', async () => {
    const slot = await createSlot(p, schedule, 84);
    const replies = await Promise.all(
      [mine, theirs, mine, theirs].map((patient) =>
        p.call(p.clinician, 'POST', '/fhir/R4/Appointment', appointmentFor(patient.reference, slot)),
      ),
    );
    expect(replies.map((reply) => reply.statusCode).sort()).toEqual([201, 409, 409, 409]);
    const holders = await p.call(p.clinician, 'GET', `/fhir/R4/Appointment?slot=Slot/${slot.id}`);
    expect(holders.json().entry).toHaveLength(1);
  });

  it('moves and cancels through PUT: slots freed and taken, rescheduled and cancelled events', async () => {
    const first = await createSlot(p, schedule, 90);
    const second = await createSlot(p, schedule, 91);
    const appointment = await book(p, mine.reference, first);
    const moved = await p.call(p.clinician, 'PUT', `/fhir/R4/Appointment/${appointment.id}`, {
      ...appointment,
      slot: [{ reference: `Slot/${second.id}` }],
      start: second.start,
      end: second.end,
    });
    expect(moved.statusCode).toBe(200);
    expect([await slotStatus(p, first), await slotStatus(p, second)]).toEqual(['free', 'busy']);
    const stale = await p.call(
      p.clinician,
      'PUT',
      `/fhir/R4/Appointment/${appointment.id}`,
      { ...moved.json(), status: 'cancelled' },
      { 'if-match': 'W/"1"' },
    );
    expect(stale.statusCode).toBe(412);
    const cancelled = await p.call(p.clinician, 'PUT', `/fhir/R4/Appointment/${appointment.id}`, {
      ...moved.json(),
      status: 'cancelled',
      cancelationReason: { text: 'Clinic closed' },
    });
    expect(cancelled.statusCode).toBe(200);
    expect(await slotStatus(p, second)).toBe('free');
    expect((await changes(p, appointment.id!)).map((c) => [c.change, c.by, c.start])).toEqual([
      ['booked', 'clinician', first.start],
      ['rescheduled', 'clinician', second.start],
      ['cancelled', 'clinician', second.start],
    ]);
  });

  it('refuses a change of patient, a missing patient, a slot that does not exist, and the wrong roles', async () => {
    const slot = await createSlot(p, schedule, 95);
    const appointment = await book(p, mine.reference, slot);
    const otherPatient = await p.call(p.clinician, 'PUT', `/fhir/R4/Appointment/${appointment.id}`, {
      ...appointment,
      participant: [{ actor: { reference: theirs.reference }, status: 'accepted' }],
    });
    expect(otherPatient.statusCode).toBe(400);
    expect(otherPatient.json().issue[0].expression).toEqual(['Appointment.participant']);
    const noPatient = await p.call(p.clinician, 'POST', '/fhir/R4/Appointment', {
      ...appointmentFor(mine.reference, undefined, { start: slot.start, end: slot.end }),
      participant: [{ actor: { reference: 'Practitioner/clinician-1' }, status: 'accepted' }],
    });
    expect(noPatient.statusCode).toBe(400);
    const ghost = await p.call(p.clinician, 'POST', '/fhir/R4/Appointment', {
      ...appointmentFor(mine.reference, undefined, { start: slot.start, end: slot.end }),
      slot: [{ reference: 'Slot/does-not-exist' }],
    });
    expect(ghost.statusCode).toBe(400);
    expect(ghost.json().issue[0].expression).toEqual(['Appointment.slot']);
    const notAnAppointment = await p.call(p.clinician, 'POST', '/fhir/R4/Appointment', {
      resourceType: 'Slot',
    });
    expect(notAnAppointment.statusCode).toBe(400);
    const free = await createSlot(p, schedule, 96);
    const asPatient = await p.call(
      mine.token,
      'POST',
      '/fhir/R4/Appointment',
      appointmentFor(mine.reference, free),
    );
    expect(asPatient.statusCode).toBe(403);
    const prescriber = await p.token({ roles: ['prescriber'], org: 'A83008' });
    expect(
      (await p.call(prescriber, 'POST', '/fhir/R4/Appointment', appointmentFor(mine.reference, free)))
        .statusCode,
    ).toBe(403);
    expect(await slotStatus(p, free)).toBe('free');
  });

  it('deletes through the booking rules: the slot is free again, the patient hears of a cancellation, audited', async () => {
    const slot = await createSlot(p, schedule, 100);
    const appointment = await book(p, mine.reference, slot);
    const deleted = await p.call(p.clinician, 'DELETE', `/fhir/R4/Appointment/${appointment.id}`);
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect(await slotStatus(p, slot)).toBe('free');
    expect((await changes(p, appointment.id!)).map((c) => [c.change, c.by, c.start])).toEqual([
      ['booked', 'clinician', slot.start],
      ['cancelled', 'clinician', slot.start],
    ]);
    const audited = await p.t.pathways.db.query<{ content: string }>(
      'SELECT content FROM audit_event WHERE patient = $1 AND content LIKE $2',
      [mine.reference, `%Appointment/${appointment.id}%`],
    );
    const deletes = audited.rows
      .map((row) => JSON.parse(row.content))
      .filter((event) => event.action === 'D' && event.outcome === '0');
    expect(deletes).toHaveLength(1);
    expect(deletes[0].agent[0].who.reference).toBe('Practitioner/clinician-1');
    // The slot can be booked again at once; a second delete changes nothing and tells nobody.
    await book(p, theirs.reference, slot);
    expect((await p.call(p.clinician, 'DELETE', `/fhir/R4/Appointment/${appointment.id}`)).statusCode).toBe(
      204,
    );
    expect(await changes(p, appointment.id!)).toHaveLength(2);
    expect(await slotStatus(p, slot)).toBe('busy');
  });

  it('deletes a past or cancelled appointment without an event, and keeps slots it no longer held', async () => {
    const slot = await createSlot(p, schedule, 102);
    const appointment = await book(p, mine.reference, slot);
    const cancelled = await p.call(p.clinician, 'PUT', `/fhir/R4/Appointment/${appointment.id}`, {
      ...appointment,
      status: 'cancelled',
    });
    expect(cancelled.statusCode).toBe(200);
    await book(p, theirs.reference, slot);
    const deleted = await p.call(p.clinician, 'DELETE', `/fhir/R4/Appointment/${appointment.id}`);
    expect(deleted.statusCode).toBe(204);
    expect((await changes(p, appointment.id!)).map((c) => c.change)).toEqual(['booked', 'cancelled']);
    // The other patient's booking still holds the slot.
    expect(await slotStatus(p, slot)).toBe('busy');
  });

  it('refuses a delete from the wrong role or a patient, deleting nothing and freeing nothing', async () => {
    const slot = await createSlot(p, schedule, 104);
    const appointment = await book(p, mine.reference, slot);
    const callers = [
      mine.token,
      theirs.token,
      await p.token({ roles: ['prescriber'], org: 'A83008' }),
      await p.token({ roles: ['dispenser'], org: 'FCG71' }),
      await p.token({ roles: ['registrar'] }),
      await p.token({ roles: ['service-desk'] }),
    ];
    for (const caller of callers) {
      const refused = await p.call(caller, 'DELETE', `/fhir/R4/Appointment/${appointment.id}`);
      expect(refused.statusCode).toBe(403);
    }
    const read = await p.call(p.clinician, 'GET', `/fhir/R4/Appointment/${appointment.id}`);
    expect(read.statusCode).toBe(200);
    expect(read.json().meta.versionId).toBe('1');
    expect(await slotStatus(p, slot)).toBe('busy');
    expect((await changes(p, appointment.id!)).map((c) => c.change)).toEqual(['booked']);
  });

  it('keeps appointments out of transaction Bundles, where the booking rules would not run', async () => {
    const slot = await createSlot(p, schedule, 106);
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: appointmentFor(mine.reference, slot), request: { method: 'POST', url: 'Appointment' } },
      ],
    };
    const refused = await p.call(p.clinician, 'POST', '/fhir/R4', bundle);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().issue[0].diagnostics).toMatch(
      /Appointment is written one at a time .* not in a transaction/,
    );
    expect(await slotStatus(p, slot)).toBe('free');
  });
});
