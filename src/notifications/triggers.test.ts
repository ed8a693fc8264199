import { describe, expect, it } from 'vitest';
import { notificationFor } from './triggers.js';

const context = { portalUrl: 'https://pathways.example' };
const event = (type: string, payload: unknown) => ({
  id: '0b1c0e0e-8f1e-4f43-9a4f-5d0f7b0b7a11',
  type,
  payload,
});
const patient = 'Patient/demo-patient-1';

describe('notification triggers', () => {
  it('tells the patient a nominated prescription went to their pharmacy, not an un-nominated one', () => {
    expect(
      notificationFor(
        event('prescription-order', { patient, nominatedPharmacy: 'FCG71', prescriberOrg: 'A83008' }),
        context,
      ),
    ).toEqual({
      request: {
        patient,
        template: 'prescription-sent-to-pharmacy',
        personalisation: { portalUrl: 'https://pathways.example' },
        dedupeKey: 'event:0b1c0e0e-8f1e-4f43-9a4f-5d0f7b0b7a11',
      },
    });
    expect(
      notificationFor(event('prescription-order', { patient, prescriberOrg: 'A83008' }), context),
    ).toEqual({
      skipped: 'not-for-patients',
    });
  });

  it('tells the patient a prescription is ready to collect only when dispensing says so (cool-down)', () => {
    const update = (notifyPatient: boolean) =>
      notificationFor(
        event('prescription-status-update', { patient, businessStatus: 'Ready to Collect', notifyPatient }),
        context,
      );
    const told = update(true);
    expect('request' in told && told.request.template).toBe('prescription-ready-to-collect');
    expect(update(false)).toEqual({ skipped: 'not-for-patients' });
  });

  it('tells the patient the pharmacy has the prescription when it is released', () => {
    const outcome = notificationFor(event('prescription-released', { patient, pharmacy: 'FCG71' }), context);
    expect(outcome).toMatchObject({ request: { template: 'prescription-at-pharmacy' } });
  });

  it('announces appointment changes with the London date and time', () => {
    const start = '2026-09-30T09:30:00Z';
    const cases = [
      ['booked', 'appointment-booked'],
      ['cancelled', 'appointment-cancelled'],
      ['rescheduled', 'appointment-rescheduled'],
    ] as const;
    for (const [change, template] of cases) {
      const outcome = notificationFor(
        event('appointment-changed', {
          patient,
          appointment: 'Appointment/1',
          change,
          start,
          by: 'clinician',
        }),
        context,
      );
      expect(outcome).toMatchObject({
        request: { template, personalisation: { when: 'Wednesday 30 September 2026 at 10:30am' } },
      });
    }
    expect(
      notificationFor(
        event('appointment-reminder-due', { patient, appointment: 'Appointment/1', start }),
        context,
      ),
    ).toMatchObject({ request: { template: 'appointment-reminder' } });
  });

  it('never announces a result before it is visible (HAZ-EARLY-RESULT)', () => {
    const visibleFrom = '2026-09-30T18:00:00Z';
    const outcome = notificationFor(
      event('result-released', { patient, report: 'DiagnosticReport/9', visibleFrom }),
      context,
    );
    expect(outcome).toMatchObject({
      request: { template: 'result-available', notBefore: new Date(visibleFrom) },
    });
    expect(
      notificationFor(
        event('result-released', { patient, report: 'DiagnosticReport/9', visibleFrom: 'soon' }),
        context,
      ),
    ).toEqual({ skipped: 'malformed' });
  });

  it('tells the patient a repeat request was approved or answered', () => {
    const approved = notificationFor(
      event('repeat-request-completed', { patient, task: 'Task/1', outcome: 'completed' }),
      context,
    );
    const declined = notificationFor(
      event('repeat-request-completed', { patient, task: 'Task/1', outcome: 'rejected' }),
      context,
    );
    expect(approved).toMatchObject({ request: { template: 'repeat-request-approved' } });
    expect(declined).toMatchObject({ request: { template: 'repeat-request-declined' } });
    expect(
      notificationFor(event('repeat-request-completed', { patient, outcome: 'maybe' }), context),
    ).toEqual({
      skipped: 'malformed',
    });
  });

  it('skips events with no patient, a malformed patient or nothing for patients', () => {
    expect(notificationFor(event('prescription-released', { pharmacy: 'FCG71' }), context)).toEqual({
      skipped: 'no-patient',
    });
    expect(notificationFor(event('prescription-released', { patient: 'Practitioner/1' }), context)).toEqual({
      skipped: 'malformed',
    });
    expect(notificationFor(event('claim', { patient }), context)).toEqual({ skipped: 'not-for-patients' });
    expect(notificationFor(event('appointment-changed', null), context)).toEqual({ skipped: 'malformed' });
    expect(
      notificationFor(event('appointment-changed', { patient, change: 'booked', start: 'x' }), context),
    ).toEqual({
      skipped: 'malformed',
    });
  });
});
