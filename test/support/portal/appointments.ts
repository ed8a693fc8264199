/** Schedules, slots and appointments for the appointment suites (not used at run time). */
import type { Appointment, Slot } from '@medplum/fhirtypes';
import type { PortalTest } from './app.js';

const HOUR = 3_600_000;

/** An instant `hours` from now, to the second. */
export function hoursFromNow(hours: number): string {
  return new Date(Math.floor((Date.now() + hours * HOUR) / 1000) * 1000).toISOString();
}

export async function createSchedule(p: PortalTest): Promise<string> {
  const created = await p.call(p.clinician, 'POST', '/fhir/R4/Schedule', {
    resourceType: 'Schedule',
    active: true,
    actor: [{ reference: 'Practitioner/clinician-1' }],
  });
  if (created.statusCode !== 201) throw new Error(`schedule not created: ${created.body}`);
  return created.json().id as string;
}

export async function createSlot(
  p: PortalTest,
  schedule: string,
  startHours: number,
  status: Slot['status'] = 'free',
) {
  const created = await p.call(p.clinician, 'POST', '/fhir/R4/Slot', {
    resourceType: 'Slot',
    schedule: { reference: `Schedule/${schedule}` },
    status,
    start: hoursFromNow(startHours),
    end: hoursFromNow(startHours + 0.5),
  } satisfies Slot);
  if (created.statusCode !== 201) throw new Error(`slot not created: ${created.body}`);
  return created.json() as Slot;
}

export function appointmentFor(
  patient: string,
  slot: Slot | undefined,
  extra: Partial<Appointment> = {},
): Appointment {
  return {
    resourceType: 'Appointment',
    status: 'booked',
    ...(slot ? { slot: [{ reference: `Slot/${slot.id}` }] } : {}),
    participant: [
      { actor: { reference: patient }, status: 'accepted' },
      { actor: { reference: 'Practitioner/clinician-1' }, status: 'accepted' },
    ],
    ...extra,
  };
}

export async function book(p: PortalTest, patient: string, slot: Slot, extra: Partial<Appointment> = {}) {
  const created = await p.call(
    p.clinician,
    'POST',
    '/fhir/R4/Appointment',
    appointmentFor(patient, slot, extra),
  );
  if (created.statusCode !== 201) throw new Error(`appointment not booked: ${created.body}`);
  return created.json() as Appointment;
}

export async function slotStatus(p: PortalTest, slot: Slot): Promise<string> {
  return (await p.call(p.clinician, 'GET', `/fhir/R4/Slot/${slot.id}`)).json().status;
}

export async function changes(p: PortalTest, appointmentId: string) {
  return (await p.events('appointment-changed'))
    .filter((event) => event.key === `Appointment/${appointmentId}`)
    .map((event) => event.payload);
}
