import type { Appointment, Slot } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { Problem } from '../../platform/errors/problem.js';
import {
  appointmentPatient,
  assertSamePatient,
  CLINICIAN_MANAGED_EXTENSION,
  cancelled,
  clinicianChange,
  dayAllowed,
  deletionChange,
  heldSlotIds,
  isClinicianManaged,
  isWeekendInLondon,
  type PatientChangeContext,
  patientChangeRefusal,
  rescheduled,
  rescheduleRefusal,
  slotIds,
  withTimesFromSlots,
} from './rules.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const HOUR = 3600_000;
const at = (hoursFromNow: number) => new Date(NOW.getTime() + hoursFromNow * HOUR).toISOString();

const appointment = (extra: Partial<Appointment> = {}): Appointment => ({
  resourceType: 'Appointment',
  status: 'booked',
  start: at(72),
  end: at(72.5),
  slot: [{ reference: 'Slot/s1' }],
  participant: [
    { actor: { reference: 'Patient/p1' }, status: 'accepted' },
    { actor: { reference: 'Practitioner/d1' }, status: 'accepted' },
  ],
  ...extra,
});
const slot = (id: string, extra: Partial<Slot> = {}): Slot => ({
  resourceType: 'Slot',
  id,
  schedule: { reference: 'Schedule/clinic-a' },
  status: 'free',
  start: at(96),
  end: at(96.5),
  ...extra,
});
const context: PatientChangeContext = {
  now: NOW,
  cutoffS: 24 * 3600,
  managedTypes: [],
  weekdayOnlyTypes: [],
};

function thrown(run: () => unknown): Problem {
  try {
    run();
  } catch (error) {
    if (error instanceof Problem) return error;
    throw error;
  }
  throw new Error('expected a Problem');
}

describe('slots of an appointment', () => {
  it('lists literal Slot references, held only while the appointment is active', () => {
    const a = appointment({
      slot: [{ reference: 'Slot/s1' }, { reference: 'Schedule/x' }, { display: 'y' }],
    });
    expect(slotIds(a)).toEqual(['s1']);
    expect(heldSlotIds(a)).toEqual(['s1']);
    expect(heldSlotIds({ ...a, status: 'cancelled' })).toEqual([]);
    expect(heldSlotIds({ ...a, status: 'proposed' })).toEqual([]);
    expect(heldSlotIds({ ...a, status: 'fulfilled' })).toEqual(['s1']);
  });

  it('takes start and end from the slots when they are left out', () => {
    const { start: _s, end: _e, ...bare } = appointment();
    const filled = withTimesFromSlots(bare as Appointment, [
      slot('s2', { start: at(10), end: at(10.5) }),
      slot('s3', { start: at(10.5), end: at(11) }),
    ]);
    expect([filled.start, filled.end]).toEqual([at(10), at(11)]);
    expect(withTimesFromSlots(appointment(), [slot('s2')]).start).toBe(at(72));
  });
});

describe('the patient of an appointment', () => {
  it('is its one Patient participant', () => {
    expect(appointmentPatient(appointment())).toBe('Patient/p1');
    const none = thrown(() => appointmentPatient(appointment({ participant: [{ status: 'accepted' }] })));
    expect(none.issues[0]?.expression).toBe('Appointment.participant');
    const two = appointment({
      participant: [
        { actor: { reference: 'Patient/p1' }, status: 'accepted' },
        { actor: { reference: 'Patient/p2' }, status: 'accepted' },
      ],
    });
    expect(thrown(() => appointmentPatient(two)).code).toBe('INVALID_VALUE');
  });

  it('cannot change by editing the appointment', () => {
    const other = appointment({ participant: [{ actor: { reference: 'Patient/p2' }, status: 'accepted' }] });
    expect(thrown(() => assertSamePatient(appointment(), other)).code).toBe('INVALID_VALUE');
    expect(() => assertSamePatient(appointment(), appointment({ comment: 'x' }))).not.toThrow();
  });
});

describe("what a clinician's write means to the patient", () => {
  it('is booked, cancelled, rescheduled or nothing', () => {
    expect(clinicianChange(undefined, appointment())).toBe('booked');
    expect(clinicianChange(undefined, appointment({ status: 'proposed' }))).toBeUndefined();
    expect(clinicianChange(appointment({ status: 'proposed' }), appointment())).toBe('booked');
    expect(clinicianChange(appointment({ status: 'cancelled' }), appointment())).toBe('booked');
    expect(clinicianChange(appointment(), appointment({ status: 'cancelled' }))).toBe('cancelled');
    expect(clinicianChange(appointment(), appointment({ status: 'fulfilled' }))).toBeUndefined();
    expect(clinicianChange(appointment(), appointment({ start: at(80), end: at(80.5) }))).toBe('rescheduled');
    expect(clinicianChange(appointment(), appointment({ slot: [{ reference: 'Slot/s9' }] }))).toBe(
      'rescheduled',
    );
    expect(clinicianChange(appointment(), appointment({ comment: 'bring your letter' }))).toBeUndefined();
  });

  it('is a cancellation when an upcoming appointment is deleted, and nothing for any other', () => {
    expect(deletionChange(appointment())).toBe('cancelled');
    expect(deletionChange(appointment({ status: 'pending' }))).toBe('cancelled');
    for (const status of ['cancelled', 'fulfilled', 'proposed', 'noshow'] as const) {
      expect(deletionChange(appointment({ status })), status).toBeUndefined();
    }
  });
});

describe('a patient changing an appointment online', () => {
  const refusal = (a: Appointment, extra: Partial<typeof context> = {}) =>
    patientChangeRefusal(a, { ...context, ...extra });

  it('is allowed for a booked or pending appointment more than the cut-off ahead', () => {
    expect(refusal(appointment())).toBeUndefined();
    expect(refusal(appointment({ status: 'pending', start: at(24) }))).toBeUndefined();
  });

  it('is refused less than 24 hours before the start, and for one in the past', () => {
    const late = refusal(appointment({ start: at(23.9) }));
    expect(late?.code).toBe('INVALID_STATE_TRANSITION');
    expect(late?.issues[0]?.expression).toBe('Appointment.start');
    expect(late?.message).toContain('24 hours');
    expect(refusal(appointment({ start: at(-1) }))?.message).toContain('past');
    expect(refusal(appointment({ start: at(2) }), { cutoffS: 3600 })).toBeUndefined();
  });

  it('is refused for cancelled, attended and other statuses', () => {
    for (const status of ['cancelled', 'fulfilled', 'arrived', 'noshow', 'proposed'] as const) {
      const problem = refusal(appointment({ status }));
      expect(problem?.code).toBe('INVALID_STATE_TRANSITION');
      expect(problem?.issues[0]?.expression).toBe('Appointment.status');
    }
  });

  it('is refused for appointments the clinic manages, by extension or by type', () => {
    const marked = appointment({ extension: [{ url: CLINICIAN_MANAGED_EXTENSION, valueBoolean: true }] });
    expect(refusal(marked)?.issues[0]?.expression).toBe('Appointment.appointmentType');
    const typed = appointment({
      appointmentType: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0276', code: 'EMERGENCY' }],
      },
    });
    expect(refusal(typed)).toBeUndefined();
    expect(refusal(typed, { managedTypes: [{ system: undefined, code: 'EMERGENCY' }] })?.code).toBe(
      'INVALID_STATE_TRANSITION',
    );
    expect(
      isClinicianManaged(typed, [
        { system: 'http://terminology.hl7.org/CodeSystem/v2-0276', code: 'EMERGENCY' },
      ]),
    ).toBe(true);
    expect(isClinicianManaged(typed, [{ system: 'http://example.org/other', code: 'EMERGENCY' }])).toBe(
      false,
    );
    const unmarked = appointment({ extension: [{ url: CLINICIAN_MANAGED_EXTENSION, valueBoolean: false }] });
    expect(isClinicianManaged(unmarked, [])).toBe(false);
  });

  it('cancels with the reason given', () => {
    const result = cancelled(appointment(), { text: 'Feeling better' });
    expect(result.status).toBe('cancelled');
    expect(result.cancelationReason).toEqual({ text: 'Feeling better' });
    expect(cancelled(appointment(), undefined).cancelationReason).toBeUndefined();
  });
});

describe('rescheduling to another slot', () => {
  const current = [slot('s1', { status: 'busy', start: at(72), end: at(72.5) })];

  it('moves the appointment to a free later slot of the same schedule', () => {
    expect(rescheduleRefusal(appointment(), current, slot('s2'), context)).toBeUndefined();
    const moved = rescheduled(appointment(), slot('s2'));
    expect(moved.slot).toEqual([{ reference: 'Slot/s2' }]);
    expect([moved.start, moved.end]).toEqual([at(96), at(96.5)]);
  });

  it('refuses a busy slot (409), another schedule, the same slot, or one already started', () => {
    expect(rescheduleRefusal(appointment(), current, slot('s2', { status: 'busy' }), context)?.status).toBe(
      409,
    );
    expect(
      rescheduleRefusal(
        appointment(),
        current,
        slot('s2', { schedule: { reference: 'Schedule/clinic-b' } }),
        context,
      )?.code,
    ).toBe('INVALID_VALUE');
    expect(rescheduleRefusal(appointment(), current, slot('s1'), context)?.code).toBe('INVALID_VALUE');
    expect(
      rescheduleRefusal(appointment(), current, slot('s2', { start: at(-1), end: at(0) }), context)?.code,
    ).toBe('INVALID_VALUE');
  });

  it('moves an outpatient appointment to weekdays only, by the day in London', () => {
    const followUp = appointment({
      appointmentType: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0276', code: 'FOLLOWUP' }],
      },
    });
    const outpatients = {
      ...context,
      weekdayOnlyTypes: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0276', code: 'FOLLOWUP' }],
    };
    // 2026-06-06 is a Saturday; 00:30 in London (BST) is still Friday in UTC.
    const saturday = slot('sat', { start: '2026-06-06T09:00:00Z', end: '2026-06-06T09:30:00Z' });
    const saturdayEarly = slot('early', { start: '2026-06-05T23:30:00Z', end: '2026-06-06T00:00:00Z' });
    const mondayEarly = slot('mon', { start: '2026-06-07T23:30:00Z', end: '2026-06-08T00:00:00Z' });
    const refusal = rescheduleRefusal(followUp, current, saturday, outpatients);
    expect([refusal?.code, refusal?.issues[0]?.diagnostics]).toEqual([
      'INVALID_VALUE',
      'Outpatient clinics do not run at weekends: choose a slot on a weekday',
    ]);
    expect(rescheduleRefusal(followUp, current, saturdayEarly, outpatients)?.code).toBe('INVALID_VALUE');
    expect(rescheduleRefusal(followUp, current, mondayEarly, outpatients)).toBeUndefined();
    expect(rescheduleRefusal(followUp, current, slot('s2'), outpatients)).toBeUndefined();
    // Another type (or no type) may move to whatever the clinic offers.
    expect(rescheduleRefusal(appointment(), current, saturday, outpatients)).toBeUndefined();
    expect(dayAllowed(followUp, saturday, [])).toBe(true);
    // GMT in winter: Sunday 23:30 UTC is Sunday in London.
    expect(isWeekendInLondon('2026-12-06T23:30:00Z')).toBe(true);
    expect(isWeekendInLondon('2026-12-07T00:30:00Z')).toBe(false);
    expect(isWeekendInLondon('not a date')).toBe(false);
  });

  it('refuses an appointment that was not booked in a slot', () => {
    const problem = rescheduleRefusal(appointment(), [], slot('s2'), context);
    expect(problem?.code).toBe('INVALID_STATE_TRANSITION');
    expect(problem?.issues[0]?.expression).toBe('Appointment.slot');
  });
});
