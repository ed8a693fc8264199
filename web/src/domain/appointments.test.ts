import type { Appointment, Slot } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import {
  appointmentView,
  EPR_CONFIRMED_AT,
  HOSPITAL_REQUEST,
  LAST_REMINDED_AT,
  locationIds,
  slotChoices,
  splitAppointments,
} from './appointments';

const NOW = new Date('2026-03-10T12:00:00Z');

const appointment = (id: string, start: string, extra: Partial<Appointment> = {}): Appointment => ({
  resourceType: 'Appointment',
  id,
  status: 'booked',
  start,
  end: start,
  participant: [
    { actor: { reference: 'Patient/p' }, status: 'accepted' },
    { actor: { reference: 'Location/l', display: 'Outpatients, Leeds General' }, status: 'accepted' },
  ],
  ...extra,
});

describe('appointments as the patient sees them', () => {
  it('says where the clinic is and its phone number, from the Location the appointment names', () => {
    const booked = appointment('a', '2026-03-12T09:00:00Z');
    expect(locationIds([booked, appointment('b', '2026-03-13T09:00:00Z')])).toEqual(['l']);
    const clinic = {
      resourceType: 'Location' as const,
      id: 'l',
      name: 'Outpatients, Leeds General Infirmary',
      address: { line: ['Great George Street'], city: 'Leeds', postalCode: 'LS1 3EX' },
      telecom: [
        { system: 'email' as const, value: 'outpatients@example.nhs.uk' },
        { system: 'phone' as const, value: '0113 243 2799' },
      ],
    };
    expect(appointmentView(booked, NOW, [clinic])).toMatchObject({
      where: 'Outpatients, Leeds General Infirmary, Great George Street, Leeds, LS1 3EX',
      phone: '0113 243 2799',
    });
    // Not readable (or not stored): the name the appointment carries, and no phone.
    expect(appointmentView(booked, NOW, [])).toMatchObject({
      where: 'Outpatients, Leeds General',
      phone: undefined,
    });
  });

  it('splits upcoming (soonest first) from past and cancelled (latest first)', () => {
    const { upcoming, past } = splitAppointments(
      [
        appointment('later', '2026-04-01T09:00:00Z'),
        appointment('past', '2026-03-01T09:00:00Z', { status: 'fulfilled' }),
        appointment('soon', '2026-03-12T09:00:00Z'),
        appointment('cancelled', '2026-03-20T09:00:00Z', {
          status: 'cancelled',
          cancelationReason: { text: 'I feel better' },
        }),
        appointment('missed', '2026-02-01T09:00:00Z', { status: 'booked' }),
      ],
      NOW,
    );
    expect(upcoming.map((view) => view.id)).toEqual(['soon', 'later']);
    expect(past.map((view) => view.id)).toEqual(['cancelled', 'past', 'missed']);
    expect(past[0]).toMatchObject({
      statusText: 'Cancelled',
      cancellationReason: 'I feel better',
      changeable: false,
    });
  });

  it('names the appointment and place, and shows when the reminder went out', () => {
    const view = appointmentView(
      appointment('a', '2026-03-12T09:00:00Z', {
        serviceType: [{ text: 'Cardiology clinic' }],
        extension: [{ url: LAST_REMINDED_AT, valueDateTime: '2026-03-10T09:00:00Z' }],
      }),
      NOW,
    );
    expect(view).toMatchObject({
      title: 'Cardiology clinic',
      where: 'Outpatients, Leeds General',
      lastRemindedAt: '2026-03-10T09:00:00Z',
      statusText: 'Booked',
      changeable: true,
    });
    const bare = appointmentView({ resourceType: 'Appointment', status: 'pending', participant: [] }, NOW);
    expect(bare).toMatchObject({
      title: 'Appointment',
      where: undefined,
      changeable: false,
      statusText: 'Waiting to be confirmed',
    });
    expect(
      appointmentView(appointment('d', '2026-03-12T09:00:00Z', { description: 'Follow-up' }), NOW).title,
    ).toBe('Follow-up');
  });

  it('offers changes only for booked appointments still to come', () => {
    expect(appointmentView(appointment('a', '2026-03-10T11:59:00Z'), NOW).changeable).toBe(false);
    expect(
      appointmentView(appointment('a', '2026-03-10T12:01:00Z', { status: 'arrived' }), NOW).changeable,
    ).toBe(false);
  });

  it('lists free slots to move to, soonest first, without the current one', () => {
    const slot = (id: string, start: string, status: Slot['status'] = 'free'): Slot => ({
      resourceType: 'Slot',
      id,
      schedule: { reference: 'Schedule/s' },
      status,
      start,
      end: start,
    });
    const current = appointment('a', '2026-03-12T09:00:00Z', { slot: [{ reference: 'Slot/mine' }] });
    expect(
      slotChoices(
        [
          slot('b', '2026-03-15T09:00:00Z'),
          slot('mine', '2026-03-12T09:00:00Z'),
          slot('a', '2026-03-14T09:00:00Z'),
          slot('busy', '2026-03-13T09:00:00Z', 'busy'),
        ],
        current,
      ).map((choice) => choice.id),
    ).toEqual(['a', 'b']);
  });

  it('shows a change waiting for the hospital (not changeable meanwhile), a refusal, and when the hospital last confirmed', () => {
    const request = (state: string, extra: Array<{ url: string; valueString: string }> = []) => ({
      url: HOSPITAL_REQUEST,
      extension: [{ url: 'change', valueCode: 'cancel' }, { url: 'state', valueCode: state }, ...extra],
    });
    const confirmed = { url: EPR_CONFIRMED_AT, valueDateTime: '2026-03-01T09:00:00.000Z' };
    const waiting = appointmentView(
      appointment('a', '2026-03-12T09:00:00Z', { extension: [request('sent'), confirmed] }),
      NOW,
    );
    expect(waiting).toMatchObject({
      changeable: false,
      hospitalRequest: {
        refused: false,
        text: 'You asked to cancel this appointment: waiting for the hospital to confirm',
      },
      confirmedAt: '2026-03-01T09:00:00.000Z',
    });
    expect(
      appointmentView(appointment('a', '2026-03-12T09:00:00Z', { extension: [request('delivered')] }), NOW),
    ).toMatchObject({ changeable: false, hospitalRequest: { refused: false } });
    const refused = appointmentView(
      appointment('a', '2026-03-12T09:00:00Z', {
        extension: [request('refused', [{ url: 'reason', valueString: 'Please call the clinic' }])],
      }),
      NOW,
    );
    expect(refused).toMatchObject({
      changeable: true,
      hospitalRequest: {
        refused: true,
        text: 'The hospital could not cancel this appointment: Please call the clinic',
      },
    });
    expect(appointmentView(appointment('a', '2026-03-12T09:00:00Z'), NOW)).toMatchObject({
      hospitalRequest: undefined,
      confirmedAt: undefined,
    });
  });
});
