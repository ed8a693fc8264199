/**
 * PATHWAYS_DEMO: something for the demo patient (demo-patient-1) to find in the portal — a clinic
 * schedule with free slots, a booked appointment, and a released result (visible at once) next to
 * one not yet released. Seeded once; a later start finds them and changes nothing.
 */
import type { Appointment, DiagnosticReport, Observation, Schedule, Slot } from '@medplum/fhirtypes';
import type { Database } from '../platform/database/database.js';
import { readCurrent, updateResource } from '../platform/fhir/store/repository.js';
import { writeAppointment } from './appointments/booking.js';
import { saveRelease } from './results/release-store.js';

const PATIENT = 'Patient/demo-patient-1';
const LAB = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }],
};

/** 09:00 UTC `days` from `now`. */
function morning(now: Date, days: number, hour = 9): string {
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + days, hour));
  return day.toISOString();
}

export async function seedPortalDemo(db: Database, now = new Date()): Promise<string[]> {
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
    for (let index = 1; index <= 6; index++) {
      const slot: Slot = {
        resourceType: 'Slot',
        id: `demo-slot-${index}`,
        schedule: { reference: 'Schedule/demo-clinic' },
        status: 'free',
        start: morning(now, 2 + index),
        end: morning(now, 2 + index, 10),
      };
      await updateResource(tx, 'Slot', slot.id!, slot);
    }
    const appointment: Appointment = {
      resourceType: 'Appointment',
      id: 'demo-appointment-1',
      status: 'booked',
      description: 'Outpatient follow-up (demo)',
      slot: [{ reference: 'Slot/demo-slot-1' }],
      participant: [{ actor: { reference: PATIENT }, status: 'accepted' }],
    };
    await writeAppointment(tx, appointment, { id: appointment.id! });
    for (const [id, released] of [
      ['demo-report-1', true],
      ['demo-report-2', false],
    ] as const) {
      const observation: Observation = {
        resourceType: 'Observation',
        id: `${id}-haemoglobin`,
        status: 'final',
        category: [LAB],
        code: { text: 'Haemoglobin' },
        subject: { reference: PATIENT },
        valueQuantity: { value: 131, unit: 'g/L', system: 'http://unitsofmeasure.org', code: 'g/L' },
      };
      await updateResource(tx, 'Observation', observation.id!, observation);
      const report: DiagnosticReport = {
        resourceType: 'DiagnosticReport',
        id,
        status: 'final',
        code: { text: 'Full blood count' },
        subject: { reference: PATIENT },
        issued: now.toISOString(),
        performer: [{ reference: 'Organization/demo-hospital', display: 'Leeds General Hospital (demo)' }],
        result: [{ reference: `Observation/${observation.id}` }],
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
  });
  return [
    '  portal           demo-patient: Appointment/demo-appointment-1 (free slots to move it to),',
    '                   DiagnosticReport/demo-report-1 released, demo-report-2 not yet (hidden from them)',
  ];
}
