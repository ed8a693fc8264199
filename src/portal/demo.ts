/**
 * PATHWAYS_DEMO: something for the demo patient (demo-patient-1) to find in the portal — a clinic
 * schedule with free slots, a booked appointment, and a released result (visible at once) next to
 * one not yet released, and a nominated pharmacy. Seeded once; a later start finds them and
 * changes nothing.
 */
import type { Appointment, DiagnosticReport, Observation, Schedule, Slot } from '@medplum/fhirtypes';
import type { Database } from '../platform/database/database.js';
import { readCurrent, updateResource } from '../platform/fhir/store/repository.js';
import { updateWithRules } from '../platform/fhir/store/ruled-writes.js';
import { emit } from '../platform/outbox/outbox.js';
import { appointmentRules } from './appointments/booking.js';
import { changeNomination, nominationOf } from './nomination/store.js';
import { saveRelease } from './results/release-store.js';

const PATIENT = 'Patient/demo-patient-1';
const LAB = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }],
};

const UCUM = 'http://unitsofmeasure.org';
const INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';

/** A lab value with its reference range and the lab's flag (N normal, H high). */
function observation(
  id: string,
  name: string,
  value: number,
  code: string,
  unit: string,
  [low, high]: [number, number],
  flag: 'N' | 'H',
): Observation {
  const quantity = (amount: number) => ({ value: amount, unit, system: UCUM, code });
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    category: [LAB],
    code: { text: name },
    subject: { reference: PATIENT },
    valueQuantity: quantity(value),
    referenceRange: [{ low: quantity(low), high: quantity(high) }],
    interpretation: [{ coding: [{ system: INTERPRETATION, code: flag }] }],
  };
}

/** 09:00 UTC `days` from `now`. */
function morning(now: Date, days: number, hour = 9): string {
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + days, hour));
  return day.toISOString();
}

export async function seedPortalDemo(db: Database, now = new Date()): Promise<string[]> {
  // The demo patient's nominated pharmacy, the one their demo prescriptions name (prescribing's demo).
  await db.transaction(async (tx) => {
    if (!(await nominationOf(tx, PATIENT)))
      await changeNomination(tx, { patient: PATIENT, pharmacy: 'FCG71', now });
  });
  if (await readCurrent(db, 'Schedule', 'demo-clinic')) return [];
  await db.transaction(async (tx) => {
    const schedule: Schedule = {
      resourceType: 'Schedule',
      id: 'demo-clinic',
      active: true,
      actor: [
        { reference: 'Location/demo-outpatients', display: 'Outpatients, Leeds General Hospital (demo)' },
      ],
    };
    await updateResource(tx, 'Schedule', schedule.id!, schedule);
    // Weekday mornings from three days on: outpatient clinics do not run at weekends.
    let day = 3;
    for (let index = 1; index <= 6; index++) {
      while ([0, 6].includes(new Date(morning(now, day)).getUTCDay())) day++;
      const slot: Slot = {
        resourceType: 'Slot',
        id: `demo-slot-${index}`,
        schedule: { reference: 'Schedule/demo-clinic' },
        status: 'free',
        start: morning(now, day),
        end: morning(now, day, 10),
      };
      await updateResource(tx, 'Slot', slot.id!, slot);
      day++;
    }
    const appointment: Appointment = {
      resourceType: 'Appointment',
      id: 'demo-appointment-1',
      status: 'booked',
      description: 'Outpatient follow-up (demo)',
      appointmentType: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0276', code: 'FOLLOWUP' }],
      },
      slot: [{ reference: 'Slot/demo-slot-1' }],
      participant: [
        { actor: { reference: PATIENT }, status: 'accepted' },
        {
          actor: {
            reference: 'Location/demo-outpatients',
            display: 'Outpatients, Leeds General Hospital (demo)',
          },
          status: 'accepted',
        },
      ],
    };
    await updateWithRules(tx, appointmentRules, { type: 'Appointment', id: appointment.id! }, appointment);
    for (const [id, released] of [
      ['demo-report-1', true],
      ['demo-report-2', false],
    ] as const) {
      const observations = [
        observation(`${id}-haemoglobin`, 'Haemoglobin', 131, 'g/L', 'g/L', [115, 165], 'N'),
        observation(`${id}-white-cells`, 'White cell count', 11.8, '10*9/L', '× 10⁹/L', [4, 11], 'H'),
      ];
      for (const each of observations) await updateResource(tx, 'Observation', each.id!, each);
      const report: DiagnosticReport = {
        resourceType: 'DiagnosticReport',
        id,
        status: 'final',
        code: { text: 'Full blood count' },
        subject: { reference: PATIENT },
        issued: now.toISOString(),
        performer: [{ reference: 'Organization/demo-hospital', display: 'Leeds General Hospital (demo)' }],
        result: observations.map((each) => ({ reference: `Observation/${each.id}` })),
      };
      await updateResource(tx, 'DiagnosticReport', id, report);
      if (released) {
        await saveRelease(tx, {
          reportId: id,
          patient: PATIENT,
          releasedAt: now,
          releasedBy: 'demo',
          visibleFrom: now,
        });
      }
    }
    // Sam Okafor (demo-patient-2) has no mobile and no email: the message about his released result
    // reaches no one and lands on the service desk's worklist, so the desk has something to resolve.
    const unreachable = 'Patient/demo-patient-2';
    const sodium = observation('demo-report-3-sodium', 'Sodium', 139, 'mmol/L', 'mmol/L', [133, 146], 'N');
    await updateResource(tx, 'Observation', sodium.id!, { ...sodium, subject: { reference: unreachable } });
    await updateResource(tx, 'DiagnosticReport', 'demo-report-3', {
      resourceType: 'DiagnosticReport',
      id: 'demo-report-3',
      status: 'final',
      code: { text: 'Urea and electrolytes' },
      subject: { reference: unreachable },
      issued: now.toISOString(),
      performer: [{ reference: 'Organization/demo-hospital', display: 'Leeds General Hospital (demo)' }],
      result: [{ reference: `Observation/${sodium.id}` }],
    } satisfies DiagnosticReport);
    await saveRelease(tx, {
      reportId: 'demo-report-3',
      patient: unreachable,
      releasedAt: now,
      releasedBy: 'demo',
      visibleFrom: now,
    });
    await emit(tx, {
      type: 'result-released',
      key: 'DiagnosticReport/demo-report-3',
      payload: {
        patient: unreachable,
        report: 'DiagnosticReport/demo-report-3',
        visibleFrom: now.toISOString(),
      },
    });
  });
  return [
    '  portal           demo-patient: Appointment/demo-appointment-1 (free slots to move it to),',
    '                   DiagnosticReport/demo-report-1 released, demo-report-2 not yet (hidden from them);',
    '                   demo-service-desk: a result message for Sam Okafor, who has no contact details, on the worklist',
  ];
}
