import type { Appointment } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { siu } from '../../../test/support/hl7/fixtures.js';
import {
  EPR_CONFIRMED_AT_EXTENSION,
  HOSPITAL_REQUEST_EXTENSION,
} from '../../portal/appointments/hospital-requests.js';
import { segment, segments } from '../handler.js';
import { Hl7Error } from '../message/hl7-error.js';
import { parseFrame } from '../message/parse.js';
import { applyAppointmentFacts, appointmentFacts, slotOf, statusOf } from './appointment-mapping.js';

function factsOf(message: string) {
  const parsed = parseFrame(Buffer.from(message));
  return appointmentFacts(
    {
      sch: segment(parsed, 'SCH')!,
      tq1: segment(parsed, 'TQ1'),
      ais: segments(parsed, 'AIS'),
      ail: segments(parsed, 'AIL'),
      aig: segments(parsed, 'AIG'),
      aip: segments(parsed, 'AIP'),
    },
    parsed.header.triggerEvent,
    'RXX01',
  );
}

const links = { patient: 'Patient/p1', confirmedAt: '2026-01-10T09:30:00.000Z' };

describe('SIU appointment mapping', () => {
  it('keys the appointment by SCH-2 with its assigning authority, else by SCH-1', () => {
    expect(factsOf(siu({ trigger: 'S12' })).filler).toMatchObject({ system: 'EPR', value: 'A5001' });
    expect(factsOf(siu({ trigger: 'S12', placerOnly: true })).filler).toMatchObject({
      system: 'PATHWAYS',
      value: 'PLA5001',
      type: { coding: [{ code: 'FILL' }] },
    });
  });

  it('reads times in London time (winter GMT, summer BST) and the end from the duration', () => {
    const winter = factsOf(siu({ trigger: 'S12', start: '20260220103000', minutes: 20 }));
    expect([winter.start, winter.end]).toEqual(['2026-02-20T10:30:00.000Z', '2026-02-20T10:50:00.000Z']);
    const summer = factsOf(siu({ trigger: 'S12', start: '20260701090000', minutes: 45 }));
    expect([summer.start, summer.end]).toEqual(['2026-07-01T08:00:00.000Z', '2026-07-01T08:45:00.000Z']);
  });

  it('takes the place from AIL (PL-9 as its name), the clinic phone from SCH-17 and the clinician from AIG', () => {
    const facts = factsOf(siu({ trigger: 'S12' }));
    expect(facts.location).toEqual({
      identifier: { system: 'RXX01', value: 'CARDOPD' },
      name: 'Cardiology Outpatients, Leeds General Infirmary',
    });
    expect(facts.phone).toBe('0113 243 2799');
    expect(facts.clinicians).toEqual(['Dr Rhiannon Jones']);
    expect(facts.schedule).toEqual(facts.location);
    const noPlace = factsOf(siu({ trigger: 'S12', location: '' }));
    expect(noPlace.location).toBeUndefined();
    expect(noPlace.schedule).toEqual({
      identifier: { system: 'RXX01', value: 'C123' },
      name: 'Dr Rhiannon Jones',
    });
  });

  it('maps the trigger first, then SCH-25, to the status', () => {
    expect(statusOf('S15', 'Booked')).toBe('cancelled');
    expect(statusOf('S17', '')).toBe('entered-in-error');
    expect(statusOf('S26', 'Booked')).toBe('noshow');
    expect(statusOf('S14', 'Complete')).toBe('fulfilled');
    expect(statusOf('S12', 'Pending')).toBe('pending');
    expect(statusOf('S12', '')).toBe('booked');
  });

  it('refuses a message without any appointment id (AE naming SCH-2)', () => {
    const message = siu({ trigger: 'S12' }).replace(/SCH\|[^|]*\|[^|]*\|/, 'SCH|||');
    expect(() => factsOf(message)).toThrow(Hl7Error);
    try {
      factsOf(message);
    } catch (error) {
      expect((error as Hl7Error).location).toEqual({ segment: 'SCH', field: 2 });
      expect((error as Hl7Error).ackCode).toBe('AE');
    }
  });

  it('refuses a booking without times, but keeps the stored times of a cancellation without them', () => {
    const facts = factsOf(siu({ trigger: 'S12', noTimes: true }));
    expect(() => applyAppointmentFacts(undefined, facts, links)).toThrow(/no start and end time/);
    const booked = applyAppointmentFacts(undefined, factsOf(siu({ trigger: 'S12' })), links);
    const cancel = factsOf(siu({ trigger: 'S15', noTimes: true, eventReason: 'PATREQ^Patient request' }));
    const cancelled = applyAppointmentFacts({ ...booked, id: 'a1' }, cancel, links);
    expect(cancelled).toMatchObject({
      id: 'a1',
      status: 'cancelled',
      start: booked.start,
      end: booked.end,
      cancelationReason: { text: 'Patient request' },
    });
  });

  it('builds the Appointment: identifiers, type, service, participants and when the hospital confirmed it', () => {
    const appointment = applyAppointmentFacts(undefined, factsOf(siu({ trigger: 'S12' })), {
      ...links,
      location: { reference: 'Location/l1', display: 'Cardiology Outpatients' },
      slot: 'Slot/s1',
    });
    expect(appointment).toMatchObject({
      status: 'booked',
      description: 'Cardiology follow-up',
      appointmentType: { text: 'Outpatient' },
      reasonCode: [{ text: 'Follow-up' }],
      minutesDuration: 20,
      slot: [{ reference: 'Slot/s1' }],
      participant: [
        { actor: { reference: 'Patient/p1' } },
        { actor: { reference: 'Location/l1', display: 'Cardiology Outpatients' } },
        { actor: { display: 'Dr Rhiannon Jones' } },
      ],
    });
    expect(appointment.identifier?.map((i) => [i.type?.coding?.[0]?.code, i.system, i.value])).toEqual([
      ['FILL', 'EPR', 'A5001'],
      ['PLAC', 'PATHWAYS', 'PLA5001'],
    ]);
    expect(appointment.extension).toEqual([
      { url: EPR_CONFIRMED_AT_EXTENSION, valueDateTime: links.confirmedAt },
    ]);
  });

  it('keeps a recorded request (its extension) across an update', () => {
    const request = { url: HOSPITAL_REQUEST_EXTENSION, extension: [{ url: 'change', valueCode: 'cancel' }] };
    const stored: Appointment = {
      resourceType: 'Appointment',
      id: 'a1',
      status: 'booked',
      participant: [],
      extension: [request],
    };
    const updated = applyAppointmentFacts(stored, factsOf(siu({ trigger: 'S14' })), links);
    expect(updated.extension).toContainEqual(request);
  });

  it("mirrors the appointment's times in its Slot and leaves busy or free to the booking rules", () => {
    // The rules take the Slot while the appointment holds it and give it back when it no longer
    // does (siu-feed.test.ts: S12 busy, S15 free); the mapping keeps what is stored.
    const facts = factsOf(siu({ trigger: 'S12' }));
    const booked = applyAppointmentFacts(undefined, facts, links);
    expect(slotOf(undefined, booked, facts.filler, 'Schedule/s')).toMatchObject({
      status: 'free',
      start: booked.start,
      end: booked.end,
      schedule: { reference: 'Schedule/s' },
      identifier: [{ system: 'EPR', value: 'A5001' }],
    });
    const stored = slotOf(undefined, booked, facts.filler, 'Schedule/s')!;
    const cancelled = applyAppointmentFacts(undefined, factsOf(siu({ trigger: 'S15' })), links);
    expect(
      slotOf({ ...stored, id: 's1', status: 'busy' }, cancelled, facts.filler, 'Schedule/s'),
    ).toMatchObject({ id: 's1', status: 'busy' });
  });
});
